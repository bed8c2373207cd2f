using Api.Audit;
using Api.Infrastructure;
using Api.Sessions;
using Api.TwoFactor;
using Npgsql;

namespace Api.Auth;

/// <summary>
/// Turning a second factor on or off, or replacing its recovery codes, changes what it takes to be this user: in the
/// same transaction every other session of the user ends, so a session someone else holds (a stolen cookie, a
/// forgotten browser) does not outlive the change, and the audit trail records it. The session making the change stays.
/// </summary>
public sealed class TwoFactorChanges(NpgsqlDataSource dataSource, SessionStore sessions, SessionCache cache, AuditTrail audit, TimeProvider time)
{
    /// <summary>False when <paramref name="keyProtected"/> is no longer the pending key (set up again, or enabled meanwhile).</summary>
    public Task<bool> EnableAsync(HttpContext http, AuthenticatedSession session, string keyProtected, long timeStep, IReadOnlyList<byte[]> recoveryCodeHashes) =>
        ChangeAsync(http, session, AuditEventTypes.TwoFactorEnabled, async transaction =>
            await TwoFactorStore.EnableAsync(transaction, session.UserId, keyProtected, timeStep, time.GetUtcNow().UtcDateTime)
            && await ReplaceRecoveryCodesAsync(transaction, session.UserId, recoveryCodeHashes));

    /// <summary>False when the second factor was already off.</summary>
    public Task<bool> DisableAsync(HttpContext http, AuthenticatedSession session) =>
        ChangeAsync(http, session, AuditEventTypes.TwoFactorDisabled, transaction => TwoFactorStore.DeleteAsync(transaction, session.UserId));

    /// <summary>False when the second factor was turned off meanwhile.</summary>
    public Task<bool> ReplaceRecoveryCodesAsync(HttpContext http, AuthenticatedSession session, IReadOnlyList<byte[]> recoveryCodeHashes) =>
        ChangeAsync(http, session, AuditEventTypes.RecoveryCodesRegenerated, async transaction =>
            await TwoFactorStore.LockIfEnabledAsync(transaction, session.UserId)
            && await ReplaceRecoveryCodesAsync(transaction, session.UserId, recoveryCodeHashes));

    private static async Task<bool> ReplaceRecoveryCodesAsync(NpgsqlTransaction transaction, long userId, IReadOnlyList<byte[]> hashes)
    {
        await TwoFactorStore.ReplaceRecoveryCodesAsync(transaction, userId, hashes);
        return true;
    }

    private async Task<bool> ChangeAsync(HttpContext http, AuthenticatedSession session, string eventType, Func<NpgsqlTransaction, Task<bool>> change)
    {
        var changed = await dataSource.InTransactionAsync(async transaction =>
        {
            if (!await change(transaction))
            {
                return false;
            }
            var ended = await sessions.DeleteAllForUserAsync(session.UserId, SessionEndReason.TwoFactorChanged, keep: session.SessionId, transaction: transaction);
            await audit.WriteAsync(transaction, AuditEvent.Of(http, eventType, session.UserId, session.UserId, session.SessionId,
                new Dictionary<string, string> { ["otherSessionsEnded"] = ended.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            return true;
        }, rollBackOn: changed => !changed);
        if (changed)
        {
            cache.EvictUser(session.UserId, SessionCacheEviction.Changed);
        }
        return changed;
    }
}
