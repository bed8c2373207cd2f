using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Auth;

/// <summary>
/// The <c>__Host-device</c> cookie: a random token that marks a browser its accounts have logged in from. It decides only
/// whose failed logins count where (see <see cref="LoginThrottle"/>); it never stands in for a password or any other
/// factor. Logout leaves it, so the owner keeps their own budget after logging out.
/// </summary>
public sealed class DeviceCookie(LoginThrottle throttle, IOptions<LoginThrottleOptions> options)
{
    public const string Name = "__Host-device";

    /// <summary>The hash of the request's device token, or null when it carries none shaped like one.</summary>
    public byte[]? Read(HttpRequest request) => SecretToken.TryHash(HostCookie.Read(request, Name), out var hash) ? hash : null;

    /// <summary>
    /// Records that this browser vouches for the user and (re)sets the cookie. Call after the session cookie is written,
    /// so a client that keeps only the first cookie still gets the session.
    /// </summary>
    public async Task TrustAsync(HttpContext http, long userId)
    {
        var presented = HostCookie.Read(http.Request, Name);
        var presentedHash = SecretToken.TryHash(presented, out var hash) ? hash : null;
        var fresh = SecretToken.Create();
        var kept = await throttle.TrustDeviceAsync(presentedHash, SecretToken.Hash(fresh), userId);
        HostCookie.Write(http.Response, Name, kept ? presented! : fresh, options.Value.DeviceLifetime);
    }
}
