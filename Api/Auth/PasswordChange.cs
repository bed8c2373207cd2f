using Api.Audit;
using Api.Infrastructure;
using Api.Sessions;
using Api.Users;
using Npgsql;

namespace Api.Auth;

/// <summary>
/// A signed-in user's new password takes effect everywhere at once: in one transaction the hash is replaced, every session
/// of the user ends, every browser but this one stops vouching for them, and this browser gets a new session. The cookie
/// is written only after the commit, so a failure leaves the old password, sessions and cookie as they were.
/// </summary>
public sealed class PasswordChange(NpgsqlDataSource dataSource, SessionStore sessions, SessionCache cache, SessionIssuer issuer, DeviceCookie devices, AuditTrail audit, TimeProvider time)
{
    public async Task ApplyAsync(HttpContext http, AuthenticatedSession current, string newPasswordHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await UserStore.SetPasswordHashAsync(transaction, current.UserId, newPasswordHash, time.GetUtcNow().UtcDateTime);
        await sessions.DeleteAllForUserAsync(current.UserId, SessionEndReason.PasswordChanged, transaction: transaction);
        await LoginThrottle.ForgetDevicesAsync(transaction, current.UserId, keepHash: devices.Read(http.Request));
        await AccountTokenStore.DeleteForUserAsync(transaction, current.UserId);
        var session = await issuer.CreateAsync(http, current.UserId, current.RememberMe, transaction);
        await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.PasswordChanged, current.UserId, current.UserId, session.Id));
        await transaction.CommitAsync();
        cache.EvictUser(current.UserId, SessionCacheEviction.Changed);
        issuer.WriteCookie(http, session, current.RememberMe);
    }
}
