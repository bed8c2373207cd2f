using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Sessions;

/// <summary>
/// Turns the request's cookie into a live session: no statement on the hot path when <see cref="SessionCache"/> holds
/// it, one read otherwise (for <see cref="SessionLookup.CountVisit"/> always the update that counts the view), a further
/// write only when the session is due for sliding (at most once per touch interval), and deletion of sessions found
/// expired. Expiry is never decided on cached data: a session the cache holds as expired is read again.
/// </summary>
public sealed class SessionResolver(SessionCookie cookie, SessionStore sessions, SessionCache cache, TimeProvider time, IOptions<SessionOptions> options)
{
    private readonly SessionLifetime _lifetime = new(options.Value);

    public async Task<AuthenticatedSession?> ResolveAsync(HttpContext http, SessionLookup lookup)
    {
        var token = cookie.Read(http.Request);
        if (!SecretToken.TryHash(token, out var tokenHash))
        {
            return Reject(http, cookieWasSent: token is not null);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var session = lookup == SessionLookup.CountVisit
            ? await sessions.FindLiveCountingVisitAsync(tokenHash, now)
            : await FindAsync(tokenHash, now);
        if (session is null || session.DisabledAt is not null || session.IsExpiredAt(now))
        {
            // Expired sessions are deleted as they are found. The counting lookup skips dead sessions without saying why,
            // so its miss may be an expired one too.
            var mayBeExpired = session is null ? lookup == SessionLookup.CountVisit : session.IsExpiredAt(now);
            if (mayBeExpired)
            {
                await sessions.DeleteIfExpiredAsync(tokenHash, now);
                cache.Remove(tokenHash);
            }
            return Reject(http, cookieWasSent: true);
        }

        if (_lifetime.IsDueForTouch(session.LastSeenAt, now))
        {
            var expiresAt = _lifetime.Slide(now, session.RememberMe, session.AbsoluteExpiresAt);
            if (await sessions.TouchAsync(session.SessionId, now, expiresAt, touchedBefore: _lifetime.DueIfSeenBefore(now)))
            {
                cache.Replace(tokenHash, session, session with { LastSeenAt = now, ExpiresAt = expiresAt });
                if (session.RememberMe)
                {
                    // The browser must keep a remember-me cookie as long as the server now keeps the session.
                    cookie.Write(http.Response, token!, expiresAt - now);
                }
            }
            else
            {
                // Another request or instance slid it first: read it again rather than try once per request.
                cache.Remove(tokenHash, session);
            }
        }
        return session;
    }

    /// <summary>The session from the cache, or from PostgreSQL, kept in the cache when live.</summary>
    private async Task<AuthenticatedSession?> FindAsync(byte[] tokenHash, DateTime now)
    {
        if (!cache.Enabled)
        {
            return await sessions.FindAsync(tokenHash);
        }
        if (cache.TryGet(tokenHash, out var cached))
        {
            return cached;
        }
        var generation = cache.Generation;
        var session = await sessions.FindAsync(tokenHash);
        if (session is { DisabledAt: null } && !session.IsExpiredAt(now))
        {
            cache.Add(tokenHash, session, generation);
        }
        return session;
    }

    /// <summary>
    /// The live session the request's cookie names, or null, for callers that only look: one read at most, no sliding,
    /// no deletion. A dead cookie is still expired in the browser.
    /// </summary>
    public async Task<AuthenticatedSession?> PeekAsync(HttpContext http)
    {
        var token = cookie.Read(http.Request);
        if (!SecretToken.TryHash(token, out var tokenHash))
        {
            return Reject(http, cookieWasSent: token is not null);
        }
        var session = await FindAsync(tokenHash, time.GetUtcNow().UtcDateTime);
        return session is null || session.DisabledAt is not null || session.IsExpiredAt(time.GetUtcNow().UtcDateTime)
            ? Reject(http, cookieWasSent: true)
            : session;
    }

    /// <summary>Whether the request carried a session cookie at all: its absence and its death are different answers.</summary>
    public bool CookieWasSent(HttpRequest request) => cookie.Read(request) is not null;

    // A dead cookie is removed from the browser, so the SPA stops sending it and sees it is logged out.
    private AuthenticatedSession? Reject(HttpContext http, bool cookieWasSent)
    {
        if (cookieWasSent)
        {
            cookie.Expire(http.Response);
        }
        return null;
    }
}
