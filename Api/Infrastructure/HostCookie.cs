using Microsoft.Net.Http.Headers;

namespace Api.Infrastructure;

/// <summary>Reading and writing the API's <c>__Host-</c> cookies, all with the same attributes.</summary>
public static class HostCookie
{
    /// <summary>
    /// The cookie's value, or null. A request that carries the cookie more than once is ambiguous (an attacker may have
    /// planted one from a sibling domain) and counts as carrying none.
    /// </summary>
    public static string? Read(HttpRequest request, string name)
    {
        if (!CookieHeaderValue.TryParseList([.. request.Headers.Cookie.OfType<string>()], out var cookies))
        {
            return null;
        }
        string? value = null;
        foreach (var cookie in cookies)
        {
            if (cookie.Name.Equals(name, StringComparison.Ordinal))
            {
                if (value is not null)
                {
                    return null;
                }
                value = cookie.Value.ToString();
            }
        }
        return value;
    }

    /// <summary>Sets the cookie; without <paramref name="maxAge"/> it lives until the browser closes.</summary>
    public static void Write(HttpResponse response, string name, string value, TimeSpan? maxAge) =>
        response.Cookies.Append(name, value, Attributes(maxAge is { } age ? TimeSpan.FromSeconds(Math.Floor(age.TotalSeconds)) : null));

    public static void Expire(HttpResponse response, string name) => response.Cookies.Delete(name, Attributes(maxAge: null));

    // __Host- cookies must be Secure, Path=/ and carry no Domain; the same attributes are repeated on deletion so every
    // browser matches and removes the cookie. Strict keeps them off every cross-site request.
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
