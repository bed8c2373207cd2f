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
}

public sealed class DuplicateEmailException(string email) : Exception($"A user with email {email} already exists.");

public sealed class UserStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string UniqueViolation = "23505";

    public async Task<UserCredentials?> FindCredentialsAsync(string email)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<UserCredentials>(
            "SELECT id, email, name, role, password_hash, disabled_at FROM users WHERE lower(email) = lower(@email)",
            new { email });
    }

    /// <summary>Inserts the user; joins <paramref name="transaction"/> when given.</summary>
    /// <exception cref="DuplicateEmailException">The email is taken, in any letter case.</exception>
    public async Task<long> CreateAsync(string email, string name, string role, string passwordHash, NpgsqlTransaction? transaction = null)
    {
        const string sql = """
            INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
            VALUES (@email, @name, @role, @passwordHash, @now, @now)
            RETURNING id
            """;
        var parameters = new { email, name, role, passwordHash, now = time.GetUtcNow().UtcDateTime };
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
            new { userId, name, now = time.GetUtcNow().UtcDateTime });
    }

    /// <summary>
    /// Stores the new hash and ends every session of the user, then lets <paramref name="startSession"/> create the one
    /// that survives, all in one transaction: no moment exists in which the old password's sessions still work.
    /// </summary>
    public async Task ChangePasswordAsync(long userId, string passwordHash, Func<NpgsqlTransaction, Task> startSession)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            "UPDATE users SET password_hash = @passwordHash, updated_at = @now WHERE id = @userId",
            new { userId, passwordHash, now = time.GetUtcNow().UtcDateTime }, transaction);
        await connection.ExecuteAsync("DELETE FROM sessions WHERE user_id = @userId", new { userId }, transaction);
        await startSession(transaction);
        await transaction.CommitAsync();
    }

    public async Task UpdatePasswordHashAsync(long userId, string passwordHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE users SET password_hash = @passwordHash, updated_at = @now WHERE id = @userId",
            new { userId, passwordHash, now = time.GetUtcNow().UtcDateTime });
    }
}
