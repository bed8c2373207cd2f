using Api.Audit;
using Api.Infrastructure;
using Npgsql;

namespace Api.Sessions;

/// <summary>Starts and ends sessions on behalf of login, registration and password changes.</summary>
public sealed class SessionIssuer(NpgsqlDataSource dataSource, SessionStore sessions, SessionCache cache, SessionCookie cookie, DeferredRevocations deferred, AuditTrail audit)
{
    /// <summary>
    /// Ends whatever session the request carried, so a cookie planted before login never becomes a logged-in session
    /// (session fixation). True when the request carried a session cookie.
    /// </summary>
    public async Task<bool> EndCarriedSessionAsync(HttpContext http)
    {
        if (!SecretToken.TryHash(cookie.Read(http.Request), out var tokenHash))
        {
            return false;
        }
        await sessions.DeleteByTokenHashAsync(tokenHash, SessionEndReason.Replaced);
        cache.EvictToken(tokenHash, SessionCacheEviction.Changed);
        return true;
    }

    /// <summary>
    /// Logout: the cookie is expired whatever happens, so the browser is logged out even while the database is down.
    /// False when the session's row could not be deleted now; its deletion is then retried in the background.
    /// </summary>
    public async Task<bool> LogOutAsync(HttpContext http)
    {
        var carried = cookie.Read(http.Request);
        ExpireCookie(http);
        if (!SecretToken.TryHash(carried, out var tokenHash))
        {
            return true;
        }
        // Whatever the database says, this instance stops answering for the session from here on (again after the commit,
        // so that no lookup under way puts it back).
        cache.EvictToken(tokenHash, SessionCacheEviction.Changed);
        try
        {
            await dataSource.InTransactionAsync(async transaction =>
            {
                if (await sessions.DeleteByTokenHashAsync(transaction, tokenHash, SessionEndReason.Logout) is { } ended)
                {
                    await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.Logout, ended.UserId, ended.UserId, ended.Id));
                }
                return true;
            });
            cache.EvictToken(tokenHash, SessionCacheEviction.Changed);
            return true;
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            deferred.Enqueue(tokenHash, http);
            return false;
        }
    }

    /// <summary>
    /// Creates a session for a user whose password was just checked against <paramref name="checkedPasswordHash"/> (and
    /// their second factor, when <paramref name="secondFactorChecked"/>), and sets its cookie; false, with no session,
    /// when the password or the account changed since (a reset, a disabling, a second factor turned on).
    /// The session and its <see cref="AuditEventTypes.LoginSucceeded"/> event are written in one transaction.
    /// </summary>
    public async Task<bool> StartAsync(
        HttpContext http, long userId, bool rememberMe, string checkedPasswordHash, bool secondFactorChecked, IReadOnlyDictionary<string, string>? detail = null)
    {
        var session = await dataSource.InTransactionAsync(async transaction =>
        {
            var created = await sessions.CreateAsync(userId, rememberMe, UserAgent(http), http.Connection.RemoteIpAddress, transaction,
                whilePasswordHash: checkedPasswordHash, secondFactorChecked: secondFactorChecked);
            if (created is not null)
            {
                await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.LoginSucceeded, userId, userId, created.Id, detail));
            }
            return created;
        }, rollBackOn: created => created is null);
        if (session is null)
        {
            return false;
        }
        WriteCookie(http, session, rememberMe);
        return true;
    }

    /// <summary>
    /// Creates a session for the user in <paramref name="transaction"/> (or on its own), without touching the response:
    /// a use case that spans tables writes the cookie with <see cref="WriteCookie"/> only after it committed.
    /// </summary>
    public async Task<NewSession> CreateAsync(HttpContext http, long userId, bool rememberMe, NpgsqlTransaction? transaction = null) =>
        await sessions.CreateAsync(userId, rememberMe, UserAgent(http), http.Connection.RemoteIpAddress, transaction)
            ?? throw new InvalidOperationException($"User {userId} does not exist.");

    private static string UserAgent(HttpContext http) => http.Request.Headers.UserAgent.ToString();

    public void WriteCookie(HttpContext http, NewSession session, bool rememberMe) =>
        cookie.Write(http.Response, session.Token, rememberMe ? session.ExpiresAt - session.CreatedAt : null);

    public void ExpireCookie(HttpContext http) => cookie.Expire(http.Response);
}
