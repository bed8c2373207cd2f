using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Auth;

/// <summary>
/// The <c>__Host-device</c> cookie: a random token that marks a browser its accounts have logged in from. It decides only
/// whose failed logins count where (see <see cref="LoginThrottle"/>); it never stands in for a password or any other
/// factor. Logout leaves it, so the owner keeps their own budget after logging out.
/// </summary>
public sealed partial class DeviceCookie(LoginThrottle throttle, IOptions<LoginThrottleOptions> options, ILogger<DeviceCookie> logger)
{
    public const string Name = "__Host-device";

    /// <summary>The hash of the request's device token, or null when it carries none shaped like one.</summary>
    public byte[]? Read(HttpRequest request) => SecretToken.TryHash(HostCookie.Read(request, Name), out var hash) ? hash : null;

    /// <summary>
    /// Records that this browser vouches for the user, under a fresh token, and sets the cookie. Call after the session
    /// cookie is written, so a client that keeps only the first cookie still gets the session. Best effort: the login
    /// has succeeded, and a browser left without a device cookie only draws on the account's budget next time.
    /// </summary>
    public async Task TrustAsync(HttpContext http, long userId)
    {
        var fresh = SecretToken.Create();
        try
        {
            await throttle.TrustDeviceAsync(Read(http.Request), SecretToken.Hash(fresh), userId);
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            LogTrustFailed(logger, e);
            return;
        }
        HostCookie.Write(http.Response, Name, fresh, options.Value.DeviceLifetime);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the browser as trusted; the login stands without a device cookie")]
    private static partial void LogTrustFailed(ILogger logger, Exception exception);
}
