using Api.Infrastructure;
using Dapper;
using Npgsql;

namespace Api.Users;

/// <summary>What login needs to know about a user; never serialised.</summary>
public sealed class UserCredentials
{
    public required long Id { get; init; }
    public required string Email { get; init; }
    public required string Name { get; init; }
    public required string Role { get; init; }
    public required string PasswordHash { get; init; }
    public DateTime? DisabledAt { get; init; }
    public DateTime? EmailVerifiedAt { get; init; }

    /// <summary>A second factor is on: a right password alone does not log in.</summary>
    public bool TwoFactorEnabled { get; init; }

    public UserCredentials WithPasswordHash(string passwordHash) => new()
    {
        Id = Id,
        Email = Email,
        Name = Name,
        Role = Role,
        PasswordHash = passwordHash,
        DisabledAt = DisabledAt,
        EmailVerifiedAt = EmailVerifiedAt,
        TwoFactorEnabled = TwoFactorEnabled,
    };
}

public sealed class DuplicateEmailException(string email) : Exception($"A user with email {email} already exists.");

public sealed class UserStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string UniqueViolation = "23505";

    /// <summary>Inserts the user; joins <paramref name="transaction"/> when given.</summary>
    /// <exception cref="DuplicateEmailException">The email is taken, in any letter case.</exception>
    public async Task<long> CreateAsync(
        string email, string name, string role, string passwordHash, NpgsqlTransaction? transaction = null, bool emailVerified = false)
    {
        const string sql = """
            INSERT INTO users (email, name, role, password_hash, created_at, updated_at, email_verified_at)
            VALUES (@email, @name, @role, @passwordHash, @now, @now, CASE WHEN @emailVerified THEN @now END)
            RETURNING id
            """;
        // Stored in NFC, so one name typed on two keyboards is one string; the email's identity is its key (migration 0005).
        var parameters = new { email = Text.Nfc(email), name = Text.Nfc(name), role, passwordHash, now = time.GetUtcNow().UtcDateTime, emailVerified };
        try
        {
            if (transaction is not null)
            {
                return await transaction.Connection!.ExecuteScalarAsync<long>(sql, parameters, transaction);
            }
            await using var connection = await dataSource.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>(sql, parameters);
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation)
        {
            throw new DuplicateEmailException(email);
        }
    }

    public async Task UpdateNameAsync(long userId, string name)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE users SET name = @name, updated_at = @now WHERE id = @userId",
            new { userId, name = Text.Nfc(name), now = time.GetUtcNow().UtcDateTime });
    }

    /// <summary>Sets a new password hash, in the caller's transaction (a password change ends sessions with it).</summary>
    public static Task SetPasswordHashAsync(NpgsqlTransaction transaction, long userId, string passwordHash, DateTime now) =>
        transaction.Connection!.ExecuteAsync(
            "UPDATE users SET password_hash = @passwordHash, updated_at = @now WHERE id = @userId",
            new { userId, passwordHash, now }, transaction);

    /// <summary>
    /// Replaces an outdated hash of the same password, only if it is still the stored one: a password change that
    /// committed meanwhile must not be undone by a login that verified the old password a moment before.
    /// </summary>
    public async Task<bool> UpgradePasswordHashAsync(long userId, string verifiedHash, string passwordHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return 1 == await connection.ExecuteAsync(
            "UPDATE users SET password_hash = @passwordHash, updated_at = @now WHERE id = @userId AND password_hash = @verifiedHash",
            new { userId, verifiedHash, passwordHash, now = time.GetUtcNow().UtcDateTime });
    }

    /// <summary>
    /// The account an address names (by its key, as login finds it), for mailing it, locked until
    /// <paramref name="transaction"/> ends, so two instances answering requests for one account take turns; null when
    /// there is none.
    /// </summary>
    public static Task<MailRecipient?> LockByEmailAsync(NpgsqlTransaction transaction, string email) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<MailRecipient>(
            "SELECT id, email, name, email_verified_at, disabled_at FROM users WHERE email_key = email_key(@email) FOR NO KEY UPDATE",
            new { email }, transaction);

    /// <summary>The account's recipient details, for mailing a new account; null when there is no such user.</summary>
    public static Task<MailRecipient?> FindRecipientAsync(NpgsqlTransaction transaction, long userId) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<MailRecipient>(
            "SELECT id, email, name, email_verified_at, disabled_at FROM users WHERE id = @userId",
            new { userId }, transaction);

    /// <summary>Records that the user proved they read mail at their address (a link followed); keeps an earlier date.</summary>
    /// <summary>True when the address was not verified before.</summary>
    public static async Task<bool> MarkEmailVerifiedAsync(NpgsqlTransaction transaction, long userId, DateTime now) =>
        await transaction.Connection!.ExecuteAsync(
            "UPDATE users SET email_verified_at = @now, updated_at = @now WHERE id = @userId AND email_verified_at IS NULL",
            new { userId, now }, transaction) == 1;

    /// <summary>The user's row, locked until <paramref name="transaction"/> ends; null when there is no such user.</summary>
    public static Task<UserRow?> LockAsync(NpgsqlTransaction transaction, long userId) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<UserRow>(
            "SELECT id, email, name, role, created_at, disabled_at, email_verified_at FROM users WHERE id = @userId FOR UPDATE", new { userId }, transaction);

    /// <summary>Changes what was given (null leaves a field as it is), in <paramref name="transaction"/>; the row as it now is.</summary>
    public static Task<UserRow> UpdateAsync(NpgsqlTransaction transaction, long userId, UserChange change, DateTime now) =>
        transaction.Connection!.QuerySingleAsync<UserRow>("""
            UPDATE users SET
                name = COALESCE(@Name, name),
                role = COALESCE(@Role, role),
                disabled_at = CASE WHEN @Disabled IS NULL THEN disabled_at WHEN @Disabled THEN COALESCE(disabled_at, @now) ELSE NULL END,
                updated_at = @now
            WHERE id = @userId
            RETURNING id, email, name, role, created_at, disabled_at, email_verified_at
            """, new { Name = Text.Nfc(change.Name), change.Role, change.Disabled, userId, now }, transaction);
}

/// <summary>Who an account mail goes to, and whether the account may be mailed.</summary>
public sealed record MailRecipient(long Id, string Email, string Name, DateTime? EmailVerifiedAt, DateTime? DisabledAt);

/// <summary>A user as administration sees it; no password hash.</summary>
public sealed record UserRow(long Id, string Email, string Name, string Role, DateTime CreatedAt, DateTime? DisabledAt, DateTime? EmailVerifiedAt);

/// <summary>What an admin changes about a user; null leaves a field as it is.</summary>
public sealed record UserChange(string? Name, string? Role, bool? Disabled);
