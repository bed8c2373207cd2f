using Api.Audit;
using Api.Auth;
using Api.Infrastructure;
using Api.Sessions;
using Api.TwoFactor;
using Api.Users;
using Npgsql;

namespace Api.Admin;

/// <summary>Why an admin change was not made.</summary>
public enum AdminRefusal
{
    NotFound,
    WouldLockOutSelf,
    ActorNoLongerAdmin,
    EmailTaken,
    Busy,
}

/// <summary>An admin change: applied, with what it produced, or refused, with why.</summary>
public abstract record AdminResult<T>
{
    public sealed record Applied(T Value) : AdminResult<T>;

    public sealed record Refused(AdminRefusal Reason) : AdminResult<T>;

    public static implicit operator AdminResult<T>(AdminRefusal reason) => new Refused(reason);
}

/// <summary>
/// Every change an admin makes to users. Each runs under <see cref="AdminLock"/>, so two admins demoting each other at
/// once can never leave the system without one, and an admin demoted mid-request changes nothing. A role change or a
/// disabled account ends every session of that user, and every browser's trust in them, in the same transaction.
/// </summary>
public sealed class UserAdministration(
    NpgsqlDataSource dataSource, AccountCreation accounts, AccountMails mails, SessionStore sessions, SessionCache cache, AuditTrail audit, TimeProvider time)
{
    public async Task<AdminResult<long>> CreateAsync(AdminActor actor, NewUser user, CancellationToken cancellationToken)
    {
        // bcrypt first, outside the transaction: the lock is never held for the length of a hash.
        if (await accounts.HashPasswordAsync(user, cancellationToken) is not { } hash)
        {
            return AdminRefusal.Busy;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await AdminLock.BeginAsync(connection, actor);
        if (transaction is null)
        {
            return AdminRefusal.ActorNoLongerAdmin;
        }
        if (await accounts.InsertAsync(user, hash, transaction) is not AccountCreationResult.Created(var id))
        {
            return AdminRefusal.EmailTaken;
        }
        if (user.EmailVerified != true)
        {
            // An address the admin did not vouch for is asked to confirm itself, as at registration.
            await mails.SendVerificationAsync(transaction, (await UserStore.FindRecipientAsync(transaction, id))!);
        }
        await audit.WriteAsync(transaction, actor.Event(AuditEventTypes.UserCreated, id, new Dictionary<string, string> { ["via"] = "admin", ["role"] = user.Role! }));
        await transaction.CommitAsync(cancellationToken);
        return new AdminResult<long>.Applied(id);
    }

    public async Task<AdminResult<AdminUserResponse>> UpdateAsync(AdminActor actor, long userId, UpdateUserRequest request)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await AdminLock.BeginAsync(connection, actor);
        if (transaction is null)
        {
            return AdminRefusal.ActorNoLongerAdmin;
        }
        var target = await UserStore.LockAsync(transaction, userId);
        if (target is null)
        {
            return AdminRefusal.NotFound;
        }
        if (userId == actor.UserId && ((request.Role is not null && request.Role != Roles.Admin) || request.Disabled == true))
        {
            return AdminRefusal.WouldLockOutSelf;
        }

        var updated = await UserStore.UpdateAsync(transaction, userId, new UserChange(request.Name, request.Role, request.Disabled), time.GetUtcNow().UtcDateTime);

        if (updated.Role != target.Role || (updated.DisabledAt is not null && target.DisabledAt is null))
        {
            await sessions.DeleteAllForUserAsync(userId, SessionEndReason.Admin, transaction: transaction);
            await LoginThrottle.ForgetDevicesAsync(transaction, userId);
            await AccountTokenStore.DeleteForUserAsync(transaction, userId);
        }
        if (updated.Role != target.Role)
        {
            await audit.WriteAsync(transaction, actor.Event(AuditEventTypes.RoleChanged, userId, new Dictionary<string, string> { ["from"] = target.Role, ["to"] = updated.Role }));
        }
        if ((updated.DisabledAt is null) != (target.DisabledAt is null))
        {
            await audit.WriteAsync(transaction, actor.Event(updated.DisabledAt is null ? AuditEventTypes.UserEnabled : AuditEventTypes.UserDisabled, userId));
        }
        var twoFactorEnabled = await TwoFactorStore.IsEnabledAsync(transaction, userId);
        await transaction.CommitAsync();
        cache.EvictUser(userId, SessionCacheEviction.Changed);
        return new AdminResult<AdminUserResponse>.Applied(new AdminUserResponse(
            updated.Id, updated.Email, updated.Name, updated.Role, updated.CreatedAt, updated.DisabledAt, updated.EmailVerifiedAt, twoFactorEnabled));
    }

    /// <summary>
    /// Removes the user's second factor and recovery codes; applied with whether it was on. When it was, every session of
    /// theirs ends too: whoever asked an admin to reset it may not be the only one holding a session.
    /// </summary>
    public Task<AdminResult<bool>> ResetTwoFactorAsync(AdminActor actor, long userId) =>
        OnLockedUserAsync(actor, userId, async transaction =>
        {
            var wasOn = await TwoFactorStore.DeleteAsync(transaction, userId);
            if (wasOn)
            {
                var ended = await sessions.DeleteAllForUserAsync(userId, SessionEndReason.Admin, transaction: transaction);
                await audit.WriteAsync(transaction, actor.Event(AuditEventTypes.TwoFactorDisabled, userId,
                    new Dictionary<string, string> { ["by"] = "admin", ["sessionsEnded"] = Count(ended) }));
            }
            return wasOn;
        });

    /// <summary>Ends every session of the user; applied with how many there were.</summary>
    public Task<AdminResult<int>> RevokeSessionsAsync(AdminActor actor, long userId) =>
        OnLockedUserAsync(actor, userId, async transaction =>
        {
            var revoked = await sessions.DeleteAllForUserAsync(userId, SessionEndReason.Admin, transaction: transaction);
            await LoginThrottle.ForgetDevicesAsync(transaction, userId);
            await AccountTokenStore.DeleteForUserAsync(transaction, userId);
            await audit.WriteAsync(transaction, actor.Event(AuditEventTypes.AdminForcedLogout, userId, new Dictionary<string, string> { ["sessionsEnded"] = Count(revoked) }));
            return revoked;
        });

    private static string Count(int count) => count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs <paramref name="change"/> under the admin lock with the user's row locked, and commits it.</summary>
    private async Task<AdminResult<T>> OnLockedUserAsync<T>(AdminActor actor, long userId, Func<NpgsqlTransaction, Task<T>> change)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await AdminLock.BeginAsync(connection, actor);
        if (transaction is null)
        {
            return AdminRefusal.ActorNoLongerAdmin;
        }
        if (await UserStore.LockAsync(transaction, userId) is null)
        {
            return AdminRefusal.NotFound;
        }
        var result = await change(transaction);
        await transaction.CommitAsync();
        cache.EvictUser(userId, SessionCacheEviction.Changed);
        return new AdminResult<T>.Applied(result);
    }
}
