using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Api.Sessions;

/// <summary>Reads and writes the session cookie; the one place that knows its name and attributes.</summary>
public sealed class SessionCookie(IOptions<SessionSettings> options)
{
    private readonly SessionSettings _options = options.Value;

    /// <summary>
    /// The token the request carries, or null. A request that carries the cookie more than once is ambiguous
    /// (an attacker may have planted one from a sibling domain) and counts as carrying none.
    /// </summary>
    public string? Read(HttpRequest request)
    {
        if (!CookieHeaderValue.TryParseList([.. request.Headers.Cookie.OfType<string>()], out var cookies))
        {
            return null;
        }
        string? token = null;
        foreach (var cookie in cookies)
        {
            if (cookie.Name.Equals(_options.CookieName, StringComparison.Ordinal))
            {
                if (token is not null)
                {
                    return null;
                }
                token = cookie.Value.ToString();
            }
        }
        return token;
    }

    /// <summary>Sets the cookie; without <paramref name="maxAge"/> it lives until the browser closes.</summary>
    public void Write(HttpResponse response, string token, TimeSpan? maxAge) =>
        response.Cookies.Append(_options.CookieName, token, Attributes(maxAge is { } age ? TimeSpan.FromSeconds(Math.Floor(age.TotalSeconds)) : null));

    public void Expire(HttpResponse response) =>
        response.Cookies.Delete(_options.CookieName, Attributes(maxAge: null));

    // __Host- cookies must be Secure, Path=/ and carry no Domain; the same attributes are repeated on deletion so every
    // browser matches and removes the cookie.
    private static CookieOptions Attributes(TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict,
        Path = "/",
        IsEssential = true,
        MaxAge = maxAge,
    };
}
