using Api.Audit;
using Api.Infrastructure;
using Api.Sessions;
using Api.Users;
using Npgsql;

namespace Api.Auth;

/// <summary>
/// What a mailed token is for, each in one transaction: a password reset replaces the hash, ends every session, makes
/// every browser stop vouching for the account and lifts its lock; a verification marks the address verified. Either
/// consumes the token, so it works once. Following a reset link proves the address too, so it also counts as verification.
/// </summary>
public sealed class AccountRecovery(NpgsqlDataSource dataSource, AccountTokenStore tokens, SessionStore sessions, SessionCache cache, AuditTrail audit, TimeProvider time)
{
    /// <summary>False when the token is unknown, used, superseded, expired or was sent to an address the account no longer has.</summary>
    public async Task<bool> ResetPasswordAsync(HttpContext http, string token, string newPasswordHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await tokens.ConsumeAsync(transaction, token, TokenPurpose.PasswordReset) is not { } owner)
        {
            return false;
        }
        var now = time.GetUtcNow().UtcDateTime;
        await UserStore.SetPasswordHashAsync(transaction, owner.UserId, newPasswordHash, now);
        await sessions.DeleteAllForUserAsync(owner.UserId, SessionEndReason.PasswordReset, transaction: transaction);
        await LoginThrottle.ForgetDevicesAsync(transaction, owner.UserId);
        await LoginThrottle.ClearAccountAsync(transaction, owner.EmailKey);
        if (await UserStore.MarkEmailVerifiedAsync(transaction, owner.UserId, now))
        {
            await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.EmailVerified, owner.UserId, owner.UserId,
                detail: new Dictionary<string, string> { ["via"] = "password_reset" }));
        }
        await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.PasswordResetCompleted, owner.UserId, owner.UserId));
        await transaction.CommitAsync();
        cache.EvictUser(owner.UserId, SessionCacheEviction.Changed);
        return true;
    }

    /// <summary>False for a token that is not a live verification token of the account's current address.</summary>
    public async Task<bool> VerifyEmailAsync(HttpContext http, string token)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await tokens.ConsumeAsync(transaction, token, TokenPurpose.EmailVerification) is not { } owner)
        {
            return false;
        }
        if (await UserStore.MarkEmailVerifiedAsync(transaction, owner.UserId, time.GetUtcNow().UtcDateTime))
        {
            await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.EmailVerified, owner.UserId, owner.UserId));
        }
        await transaction.CommitAsync();
        cache.EvictUser(owner.UserId, SessionCacheEviction.Changed);
        return true;
    }
}
