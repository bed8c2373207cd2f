using Api.Infrastructure;
using Dapper;
using Npgsql;

namespace Api.Auth;

/// <summary>What a mailed one-time token proves, as stored in <c>account_tokens.purpose</c>.</summary>
public enum TokenPurpose
{
    PasswordReset,
    EmailVerification,
}

/// <summary>The user a consumed token belonged to.</summary>
public sealed record TokenOwner(long UserId, string EmailKey);

/// <summary>
/// Every statement on <c>account_tokens</c>: one-time tokens mailed to a user. A token is 32 random bytes (base64url in
/// the link); only its SHA-256 is stored. Issuing one supersedes the user's earlier tokens of the same purpose;
/// consuming one deletes it, so it works once; it dies with its expiry or with a change of the account's email.
/// </summary>
public sealed class AccountTokenStore(NpgsqlDataSource dataSource, TimeProvider time) : ICleanupTask
{
    private const int CleanupBatchSize = 1000;

    public string Name => "expired reset and verification tokens";

    public TimeSpan Interval => TimeSpan.FromMinutes(1);

    /// <summary>A new token for the user, in the caller's transaction (which also enqueues the mail that carries it).</summary>
    public async Task<string> IssueAsync(NpgsqlTransaction transaction, long userId, TokenPurpose purpose, TimeSpan lifetime)
    {
        var token = SecretToken.Create();
        var now = time.GetUtcNow().UtcDateTime;
        await transaction.Connection!.ExecuteAsync("""
            WITH superseded AS (DELETE FROM account_tokens WHERE user_id = @userId AND purpose = @purpose)
            INSERT INTO account_tokens (token_hash, user_id, purpose, email_key, created_at, expires_at)
            SELECT @hash, id, @purpose, email_key, @now, @expiresAt FROM users WHERE id = @userId
            """, new { hash = SecretToken.Hash(token), userId, purpose = Stored(purpose), now, expiresAt = now + lifetime }, transaction);
        return token;
    }

    /// <summary>
    /// Ends every outstanding token of the user, in the caller's transaction: a link mailed before a password change, a
    /// disabling or a role change must not undo it.
    /// </summary>
    public static Task DeleteForUserAsync(NpgsqlTransaction transaction, long userId) =>
        transaction.Connection!.ExecuteAsync("DELETE FROM account_tokens WHERE user_id = @userId", new { userId }, transaction);

    /// <summary>Whether the user was sent a token of this purpose after <paramref name="since"/>: the per-account mail limit.</summary>
    public static Task<bool> IssuedSinceAsync(NpgsqlTransaction transaction, long userId, TokenPurpose purpose, DateTime since) =>
        transaction.Connection!.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM account_tokens WHERE user_id = @userId AND purpose = @purpose AND created_at > @since)",
            new { userId, purpose = Stored(purpose), since }, transaction);

    /// <summary>
    /// Deletes the token and names its user, if it is live, of this purpose, and its account still has the address it
    /// was sent to; else null. Deleting is what makes it single use, also against two requests racing with it.
    /// </summary>
    public async Task<TokenOwner?> ConsumeAsync(NpgsqlTransaction transaction, string? token, TokenPurpose purpose)
    {
        if (!SecretToken.TryHash(token, out var hash))
        {
            return null;
        }
        return await transaction.Connection!.QuerySingleOrDefaultAsync<TokenOwner>("""
            DELETE FROM account_tokens t
            USING users u
            WHERE t.token_hash = @hash AND t.purpose = @purpose AND t.expires_at > @now
              AND u.id = t.user_id AND u.email_key = t.email_key AND u.disabled_at IS NULL
            RETURNING t.user_id, t.email_key
            """, new { hash, purpose = Stored(purpose), now = time.GetUtcNow().UtcDateTime }, transaction);
    }

    public Task<int> RunOnceAsync(CancellationToken cancellationToken) =>
        CleanupBatches.RunAsync(DeleteExpiredBatchAsync, CleanupBatchSize, time, cancellationToken);

    private async Task<int> DeleteExpiredBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM account_tokens WHERE token_hash IN (
                SELECT token_hash FROM account_tokens WHERE expires_at <= @now LIMIT @batchSize FOR UPDATE SKIP LOCKED)
            """, new { now = time.GetUtcNow().UtcDateTime, batchSize = CleanupBatchSize }, cancellationToken: cancellationToken));
    }

    internal static string Stored(TokenPurpose purpose) => purpose switch
    {
        TokenPurpose.PasswordReset => "password_reset",
        _ => "email_verification",
    };
}
