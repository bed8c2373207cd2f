using Api.Infrastructure;
using Dapper;
using Npgsql;

namespace Api.TwoFactor;

/// <summary>A user's second factor as stored: the encrypted key, whether it is on, and the last time step used.</summary>
public sealed class TwoFactorRow
{
    public required string KeyProtected { get; init; }
    public DateTime? EnabledAt { get; init; }
    public long? LastTimeStep { get; init; }
}

/// <summary>What the profile shows about the caller's second factor.</summary>
public sealed record TwoFactorStatus(bool Enabled, bool SetupPending, int RecoveryCodesLeft);

/// <summary>Every statement on <c>two_factor</c> and <c>two_factor_recovery_codes</c>.</summary>
public sealed class TwoFactorStore(NpgsqlDataSource dataSource)
{
    public Task<TwoFactorStatus> StatusAsync(long userId) =>
        dataSource.ReadAsync(connection => connection.QuerySingleAsync<TwoFactorStatus>("""
            SELECT coalesce(bool_or(t.enabled_at IS NOT NULL), false) AS enabled,
                   coalesce(bool_or(t.enabled_at IS NULL), false) AS setup_pending,
                   (SELECT count(*)::int FROM two_factor_recovery_codes c WHERE c.user_id = @userId) AS recovery_codes_left
            FROM two_factor t WHERE t.user_id = @userId
            """, new { userId }));

    public Task<TwoFactorRow?> FindAsync(long userId) =>
        dataSource.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<TwoFactorRow>(
            "SELECT key_protected, enabled_at, last_time_step FROM two_factor WHERE user_id = @userId", new { userId }));

    /// <summary>
    /// Keeps a new key as the user's pending one, replacing any earlier pending key; false, changing nothing, when their
    /// second factor is already on.
    /// </summary>
    public async Task<bool> SavePendingAsync(long userId, string keyProtected, DateTime now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteAsync("""
            INSERT INTO two_factor AS t (user_id, key_protected, created_at) VALUES (@userId, @keyProtected, @now)
            ON CONFLICT (user_id) DO UPDATE SET key_protected = excluded.key_protected, created_at = excluded.created_at
            WHERE t.enabled_at IS NULL
            """, new { userId, keyProtected, now }) == 1;
    }

    /// <summary>
    /// Turns the pending key on, with <paramref name="timeStep"/> (the one its first code proved) as used; false when that
    /// key is no longer the pending one (a new setup, or enabled by a parallel request).
    /// </summary>
    public static async Task<bool> EnableAsync(NpgsqlTransaction transaction, long userId, string keyProtected, long timeStep, DateTime now) =>
        await transaction.Connection!.ExecuteAsync("""
            UPDATE two_factor SET enabled_at = @now, last_time_step = @timeStep
            WHERE user_id = @userId AND key_protected = @keyProtected AND enabled_at IS NULL
            """, new { userId, keyProtected, timeStep, now }, transaction) == 1;

    /// <summary>The user's recovery codes become exactly these; every earlier one dies.</summary>
    public static async Task ReplaceRecoveryCodesAsync(NpgsqlTransaction transaction, long userId, IReadOnlyList<byte[]> codeHashes)
    {
        await transaction.Connection!.ExecuteAsync("""
            DELETE FROM two_factor_recovery_codes WHERE user_id = @userId;
            INSERT INTO two_factor_recovery_codes (user_id, code_hash) SELECT @userId, unnest(@codeHashes);
            """, new { userId, codeHashes = codeHashes.ToArray() }, transaction);
    }

    /// <summary>
    /// Records that a code of <paramref name="timeStep"/> was used, if no code of that step or a later one was: the
    /// compare and the write are one statement, so of two requests with one code only one gets true.
    /// </summary>
    public async Task<bool> UseTimeStepAsync(long userId, long timeStep)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteAsync("""
            UPDATE two_factor SET last_time_step = @timeStep
            WHERE user_id = @userId AND enabled_at IS NOT NULL AND (last_time_step IS NULL OR last_time_step < @timeStep)
            """, new { userId, timeStep }) == 1;
    }

    /// <summary>Uses a recovery code up: true for exactly one of any number of requests that present it.</summary>
    public static async Task<bool> UseRecoveryCodeAsync(NpgsqlTransaction transaction, long userId, byte[] codeHash) =>
        await transaction.Connection!.ExecuteAsync("""
            DELETE FROM two_factor_recovery_codes c
            USING two_factor t
            WHERE c.user_id = @userId AND c.code_hash = @codeHash AND t.user_id = c.user_id AND t.enabled_at IS NOT NULL
            """, new { userId, codeHash }, transaction) == 1;

    /// <summary>
    /// Whether the user's second factor is on, without locking it: a reader that also deletes sessions must not take the
    /// row's lock after them, the order <see cref="LockIfEnabledAsync"/>'s callers take them in reverse.
    /// </summary>
    public static Task<bool> IsEnabledAsync(NpgsqlTransaction transaction, long userId) =>
        transaction.Connection!.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM two_factor WHERE user_id = @userId AND enabled_at IS NOT NULL)", new { userId }, transaction);

    /// <summary>Whether the user's second factor is on; if so its row stays locked until the transaction ends, so it cannot be turned off meanwhile.</summary>
    public static async Task<bool> LockIfEnabledAsync(NpgsqlTransaction transaction, long userId) =>
        await transaction.Connection!.ExecuteScalarAsync<bool?>(
            "SELECT true FROM two_factor WHERE user_id = @userId AND enabled_at IS NOT NULL FOR UPDATE", new { userId }, transaction) == true;

    /// <summary>The next batch of stored keys by user id, for the re-encryption after a key ring rotation.</summary>
    public Task<IReadOnlyList<(long UserId, string KeyProtected)>> KeysAfterAsync(long afterUserId, int batchSize) =>
        dataSource.ReadAsync<IReadOnlyList<(long, string)>>(async connection => (await connection.QueryAsync<(long, string)>(
            "SELECT user_id, key_protected FROM two_factor WHERE user_id > @afterUserId ORDER BY user_id LIMIT @batchSize",
            new { afterUserId, batchSize })).AsList());

    /// <summary>Swaps a key's ciphertext for another of the same key, unless the row changed meanwhile (a new setup).</summary>
    public async Task<bool> ReplaceProtectedKeyAsync(long userId, string current, string replacement)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteAsync(
            "UPDATE two_factor SET key_protected = @replacement WHERE user_id = @userId AND key_protected = @current",
            new { userId, current, replacement }) == 1;
    }

    /// <summary>Removes the user's second factor, on or pending, and its recovery codes; false when there was none on.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlTransaction transaction, long userId) =>
        await transaction.Connection!.ExecuteScalarAsync<bool>("""
            WITH deleted AS (DELETE FROM two_factor WHERE user_id = @userId RETURNING enabled_at)
            SELECT EXISTS (SELECT 1 FROM deleted WHERE enabled_at IS NOT NULL)
            """, new { userId }, transaction);
}
