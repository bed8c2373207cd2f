using Dapper;
using Npgsql;

namespace Api.Admin;

public enum AdminChange
{
    Applied,
    NotFound,
    WouldLockOutSelf,
    ActorNoLongerAdmin,
}

/// <summary>
/// Role and state changes of users. Changes run one at a time (a transaction-scoped advisory lock) and re-check that the
/// acting admin is still an active admin, so two admins demoting each other at once can never leave the system without
/// one. A role change or a disabled account ends every session of that user in the same transaction.
/// </summary>
public sealed class UserAdministration(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const long AdminChangesLockKey = 7_310_564_220_117_403_502;

    public async Task<(AdminChange Change, AdminUserResponse? User)> UpdateAsync(long actorId, long userId, UpdateUserRequest request)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@AdminChangesLockKey)", new { AdminChangesLockKey }, transaction);

        if (!await IsActiveAdminAsync(connection, transaction, actorId))
        {
            return (AdminChange.ActorNoLongerAdmin, null);
        }
        var target = await connection.QuerySingleOrDefaultAsync<AdminUserResponse>(
            "SELECT id, email, name, role, created_at, disabled_at FROM users WHERE id = @userId FOR UPDATE", new { userId }, transaction);
        if (target is null)
        {
            return (AdminChange.NotFound, null);
        }
        if (userId == actorId && ((request.Role is not null && request.Role != Users.Roles.Admin) || request.Disabled == true))
        {
            return (AdminChange.WouldLockOutSelf, null);
        }

        var updated = await connection.QuerySingleAsync<AdminUserResponse>("""
            UPDATE users SET
                name = COALESCE(@Name, name),
                role = COALESCE(@Role, role),
                disabled_at = CASE WHEN @Disabled IS NULL THEN disabled_at WHEN @Disabled THEN COALESCE(disabled_at, @now) ELSE NULL END,
                updated_at = @now
            WHERE id = @userId
            RETURNING id, email, name, role, created_at, disabled_at
            """, new { request.Name, request.Role, request.Disabled, userId, now = time.GetUtcNow().UtcDateTime }, transaction);

        if (updated.Role != target.Role || (updated.DisabledAt is not null && target.DisabledAt is null))
        {
            await connection.ExecuteAsync("DELETE FROM sessions WHERE user_id = @userId", new { userId }, transaction);
        }
        await transaction.CommitAsync();
        return (AdminChange.Applied, updated);
    }

    /// <summary>Ends every session of the user; false when there is no such user.</summary>
    public async Task<bool> RevokeSessionsAsync(long userId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>("""
            WITH revoked AS (DELETE FROM sessions WHERE user_id = @userId)
            SELECT EXISTS (SELECT 1 FROM users WHERE id = @userId)
            """, new { userId });
    }

    private static Task<bool> IsActiveAdminAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long userId) =>
        connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = @userId AND role = 'admin' AND disabled_at IS NULL)", new { userId }, transaction);
}
