using System.Net;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Api.Security;

/// <summary>
/// Warns when an allowed origin is another site than the API. The session cookie is SameSite=Strict, so the browser never
/// sends it on that SPA's requests: its users would log in, get 200, and then 401 on every call, with nothing in the API's
/// log to say why.
/// </summary>
/// <remarks>
/// Checked once, when the server has started, against the API's host names: AllowedHosts when it names any (what
/// production sets, and behind a proxy the only names the browser uses), else the hosts Kestrel listens on (what
/// development uses: ./run.sh's localhost). Not per request: the Host header is the client's to choose, so any client
/// could then fill the log with warnings about hosts of its own invention.
/// </remarks>
internal sealed partial class SameSiteOriginCheck(
    IOptions<CorsOriginOptions> cors, IOptions<HostFilteringOptions> hostFiltering, IServer server, ILogger<SameSiteOriginCheck> logger)
{
    public void Run()
    {
        var origins = cors.Value.AllowedOrigins;
        if (origins.Length == 0)
        {
            return;
        }
        var apiHosts = ApiHosts(hostFiltering.Value.AllowedHosts ?? [], server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
        if (apiHosts.Count == 0)
        {
            LogHostUnknown(logger);
            return;
        }
        foreach (var origin in CrossSite(origins, apiHosts))
        {
            LogCrossSite(logger, origin, string.Join(", ", apiHosts));
        }
    }

    /// <summary>The allowed origins that are same-site with none of the API's hosts.</summary>
    internal static IEnumerable<string> CrossSite(IEnumerable<string> origins, IReadOnlyCollection<string> apiHosts) =>
        origins.Where(origin => !apiHosts.Any(host => IsSameSite(new Uri(origin).Host, host)));

    /// <summary>AllowedHosts' names when it has any, else the hosts of the listening addresses that name one host.</summary>
    internal static IReadOnlyList<string> ApiHosts(IEnumerable<string> allowedHosts, IEnumerable<string> listeningAddresses)
    {
        // "*.example.com" allows every subdomain of example.com: all of them are one site with example.com.
        var named = allowedHosts.Where(host => host != "*")
            .Select(host => host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host)
            .ToList();
        if (named.Count > 0)
        {
            return named;
        }
        return [.. listeningAddresses
            .Select(address => BindingAddress.Parse(address))
            .Where(address => !address.IsUnixPipe && !address.IsNamedPipe && !IsEveryAddress(address.Host))
            .Select(address => address.Host)
            .Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Whether two hosts are one site. The registrable domain needs the Public Suffix List, which the API does not carry;
    /// without it a host's site is taken to be its last two labels, so api.example.com and app.example.com are one site
    /// and example.com and example.org are two. IP literals and one-label hosts (localhost) are each their own site.
    /// </summary>
    /// <remarks>
    /// The approximation errs one way only: under a public suffix of several labels (co.uk, github.io) two sites can look
    /// like one and a warning is missed, but two hosts it calls different sites always are. Browsers since Chrome 89 also
    /// count http and https of one domain as two sites (schemeful same-site); only hosts are compared here.
    /// </remarks>
    internal static bool IsSameSite(string host, string otherHost) =>
        string.Equals(Site(host), Site(otherHost), StringComparison.OrdinalIgnoreCase);

    private static string Site(string host)
    {
        host = host.Trim('[', ']').TrimEnd('.');
        if (IPAddress.TryParse(host, out _))
        {
            return host;
        }
        var labels = host.Split('.');
        return labels.Length <= 2 ? host : string.Join('.', labels[^2..]);
    }

    private static bool IsEveryAddress(string host) =>
        host is "+" or "*" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)));

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Cors:AllowedOrigins: {Origin} is another site than this API ({ApiHosts}): browsers never send the "
        + "SameSite=Strict session cookie on its requests, so an SPA there logs in and then gets 401 on every call. Serve the "
        + "SPA from the API's site (both on localhost, or app. and api. of one domain), or through a proxy on the SPA's own "
        + "origin. If a proxy serves the API under another name, set AllowedHosts to that name.")]
    private static partial void LogCrossSite(ILogger logger, string origin, string apiHosts);

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Cannot tell whether Cors:AllowedOrigins are on the API's site (SameSite=Strict needs that): the API listens on every "
        + "address and AllowedHosts is '*'. Set AllowedHosts to the API's host names to have them checked at startup.")]
    private static partial void LogHostUnknown(ILogger logger);
}
