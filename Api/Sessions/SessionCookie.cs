using System.Collections.Concurrent;
using System.Net;
using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Sessions;

/// <summary>Reads and writes the session cookie; the one place that knows its name, and that every session cookie goes through.</summary>
public sealed partial class SessionCookie(IOptions<SessionOptions> options, IHostEnvironment environment, ILogger<SessionCookie> logger)
{
    // The Host header is the client's to choose: past this many hosts, no more are remembered or warned about.
    private const int MaxWarnedHosts = 100;

    private readonly string _name = options.Value.CookieName;
    private readonly bool _warnAboutInsecureHosts = environment.IsDevelopment();
    private readonly ConcurrentDictionary<string, bool> _warnedHosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The token the request carries, or null (also when it carries the cookie twice).</summary>
    public string? Read(HttpRequest request) => HostCookie.Read(request, _name);

    /// <summary>Sets the cookie; without <paramref name="maxAge"/> it lives until the browser closes.</summary>
    public void Write(HttpResponse response, string token, TimeSpan? maxAge)
    {
        WarnIfTheBrowserWillDropIt(response.HttpContext.Request);
        HostCookie.Write(response, _name, token, maxAge);
    }

    public void Expire(HttpResponse response) => HostCookie.Expire(response, _name);

    /// <summary>
    /// Whether a browser keeps a Secure cookie set by this response: over HTTPS, and over plain HTTP only from hosts
    /// Chromium and Firefox count as a secure context (localhost, names under .localhost, the loopback addresses).
    /// Safari keeps none over plain HTTP (WebKit bug 281149), so for it this answer is optimistic.
    /// </summary>
    internal static bool BrowserKeepsSecureCookies(bool isHttps, string host)
    {
        if (isHttps)
        {
            return true;
        }
        host = host.Trim('[', ']').TrimEnd('.');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    // The browser drops the cookie without a word and the SPA sees "200, then 401"; in development, where plain HTTP to a
    // LAN address or a machine name is common, the log says why, once per host.
    private void WarnIfTheBrowserWillDropIt(HttpRequest request)
    {
        var host = request.Host.Host;
        if (_warnAboutInsecureHosts && !BrowserKeepsSecureCookies(request.IsHttps, host)
            && _warnedHosts.Count < MaxWarnedHosts && _warnedHosts.TryAdd(host, true))
        {
            LogDroppedCookie(logger, host);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "The session cookie was set on a plain-HTTP request to {Host}. It is Secure, and browsers drop Secure cookies over "
        + "plain HTTP from every host but localhost and the loopback addresses (Safari from every host): the login answers 200 "
        + "and the next request gets 401. Open the API (and the SPA) at http://localhost:PORT, or serve it over HTTPS (dotnet dev-certs https; "
        + "ASPNETCORE_URLS=https://localhost:5001). A proxy that serves the API to the browser over HTTPS or from localhost "
        + "is fine. Logged once per host, in Development only.")]
    private static partial void LogDroppedCookie(ILogger logger, string host);
}
