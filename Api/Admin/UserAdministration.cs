using Api.Auth;
using Api.Sessions;
using Api.Users;
using Npgsql;

namespace Api.Admin;

public enum AdminChange
{
    Applied,
    NotFound,
    WouldLockOutSelf,
    ActorNoLongerAdmin,
    EmailTaken,
    Busy,
}

/// <summary>
/// Every change an admin makes to users. Each runs under <see cref="AdminLock"/>, so two admins demoting each other at
/// once can never leave the system without one, and an admin demoted mid-request changes nothing. A role change or a
/// disabled account ends every session of that user, and every browser's trust in them, in the same transaction.
/// </summary>
public sealed class UserAdministration(NpgsqlDataSource dataSource, AccountCreation accounts, SessionStore sessions, TimeProvider time)
{
    public async Task<(AdminChange Change, long Id)> CreateAsync(AdminActor actor, NewUser user, CancellationToken cancellationToken)
    {
        // bcrypt first, outside the transaction: the lock is never held for the length of a hash.
        if (await accounts.HashPasswordAsync(user, cancellationToken) is not { } hash)
        {
            return (AdminChange.Busy, 0);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await AdminLock.BeginAsync(connection, actor);
        if (transaction is null)
        {
            return (AdminChange.ActorNoLongerAdmin, 0);
        }
        var (outcome, id) = await accounts.InsertAsync(user, hash, transaction);
        if (outcome != AccountCreationOutcome.Created)
        {
            return (AdminChange.EmailTaken, 0);
        }
        await transaction.CommitAsync(cancellationToken);
        return (AdminChange.Applied, id);
    }

    public async Task<(AdminChange Change, AdminUserResponse? User)> UpdateAsync(AdminActor actor, long userId, UpdateUserRequest request)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await AdminLock.BeginAsync(connection, actor);
        if (transaction is null)
        {
            return (AdminChange.ActorNoLongerAdmin, null);
        }
        var target = await UserStore.LockAsync(transaction, userId);
        if (target is null)
        {
            return (AdminChange.NotFound, null);
        }
        if (userId == actor.UserId && ((request.Role is not null && request.Role != Roles.Admin) || request.Disabled == true))
        {
            return (AdminChange.WouldLockOutSelf, null);
        }

        var updated = await UserStore.UpdateAsync(transaction, userId, new UserChange(request.Name, request.Role, request.Disabled), time.GetUtcNow().UtcDateTime);

        if (updated.Role != target.Role || (updated.DisabledAt is not null && target.DisabledAt is null))
        {
            await sessions.DeleteAllForUserAsync(userId, transaction: transaction);
            await LoginThrottle.ForgetDevicesAsync(transaction, userId);
        }
        await transaction.CommitAsync();
        return (AdminChange.Applied, new AdminUserResponse(updated.Id, updated.Email, updated.Name, updated.Role, updated.CreatedAt, updated.DisabledAt));
    }

    /// <summary>Ends every session of the user.</summary>
    public async Task<AdminChange> RevokeSessionsAsync(AdminActor actor, long userId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await AdminLock.BeginAsync(connection, actor);
        if (transaction is null)
        {
            return AdminChange.ActorNoLongerAdmin;
        }
        if (await UserStore.LockAsync(transaction, userId) is null)
        {
            return AdminChange.NotFound;
        }
        await sessions.DeleteAllForUserAsync(userId, transaction: transaction);
        await LoginThrottle.ForgetDevicesAsync(transaction, userId);
        await transaction.CommitAsync();
        return AdminChange.Applied;
    }
}
