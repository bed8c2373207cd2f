using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Sessions;

/// <summary>Reads and writes the session cookie; the one place that knows its name.</summary>
public sealed class SessionCookie(IOptions<SessionOptions> options)
{
    private readonly string _name = options.Value.CookieName;

    /// <summary>The token the request carries, or null (also when it carries the cookie twice).</summary>
    public string? Read(HttpRequest request) => HostCookie.Read(request, _name);

    /// <summary>Sets the cookie; without <paramref name="maxAge"/> it lives until the browser closes.</summary>
    public void Write(HttpResponse response, string token, TimeSpan? maxAge) => HostCookie.Write(response, _name, token, maxAge);

    public void Expire(HttpResponse response) => HostCookie.Expire(response, _name);
}
