using System.ComponentModel.DataAnnotations;
using Api.Infrastructure;
using Api.Users;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Auth;

public sealed class LoginThrottleOptions
{
    public const string SectionName = "LoginThrottle";

    /// <summary>Failed logins of one email before it is locked.</summary>
    [Range(1, 1000)]
    public int FreeAttempts { get; set; } = 5;

    /// <summary>The first lock; each further failure doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BaseLockout { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures older than this are forgotten.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>What login reads in its one query: the user (if any) and the email's throttle state.</summary>
public sealed class LoginLookup
{
    public long? Id { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    public string? Role { get; init; }
    public string? PasswordHash { get; init; }
    public DateTime? DisabledAt { get; init; }
    public int FailedCount { get; init; }
    public DateTime? LockedUntil { get; init; }

    public UserCredentials? User => Id is { } id
        ? new UserCredentials { Id = id, Email = Email!, Name = Name!, Role = Role!, PasswordHash = PasswordHash!, DisabledAt = DisabledAt }
        : null;
}

/// <summary>
/// The per-account brute-force throttle, kept in PostgreSQL so it holds across API instances and against rotating IPs.
/// After <see cref="LoginThrottleOptions.FreeAttempts"/> failures an email is locked, for a time that doubles with each
/// further failure; a lock always ends, so an attacker can slow a victim down but never lock them out for good.
/// </summary>
public sealed class LoginThrottle(NpgsqlDataSource dataSource, TimeProvider time, IOptions<LoginThrottleOptions> options) : ICleanupTask
{
    private readonly LoginThrottleOptions _options = options.Value;

    public string Name => "forgotten failed logins";

    public async Task<LoginLookup> LookupAsync(string email)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<LoginLookup>("""
            SELECT u.id, u.email, u.name, u.role, u.password_hash, u.disabled_at,
                   COALESCE(t.failed_count, 0) AS failed_count, t.locked_until
            FROM (SELECT lower(@email) AS email_key) k
            LEFT JOIN users u ON lower(u.email) = k.email_key
            LEFT JOIN login_throttle t ON t.email_key = k.email_key
            """, new { email });
    }

    /// <summary>How long the email stays locked, or null when it is not locked now.</summary>
    public TimeSpan? LockedFor(LoginLookup lookup)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return lookup.LockedUntil is { } until && until > now ? until - now : null;
    }

    /// <summary>Counts a failure and, past the free attempts, sets the lock, in one statement.</summary>
    public async Task RecordFailureAsync(string email)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO login_throttle AS t (email_key, failed_count, last_failed_at, locked_until)
            VALUES (lower(@email), 1, @now, CASE WHEN 1 >= @FreeAttempts THEN @now + make_interval(secs => @baseSeconds) END)
            ON CONFLICT (email_key) DO UPDATE SET
                failed_count = CASE WHEN t.last_failed_at < @forgetBefore THEN 1 ELSE t.failed_count + 1 END,
                last_failed_at = @now,
                locked_until = CASE
                    WHEN (CASE WHEN t.last_failed_at < @forgetBefore THEN 1 ELSE t.failed_count + 1 END) >= @FreeAttempts
                    THEN @now + make_interval(secs => LEAST(
                        @baseSeconds * power(2, (CASE WHEN t.last_failed_at < @forgetBefore THEN 1 ELSE t.failed_count + 1 END) - @FreeAttempts),
                        @maxSeconds))
                END
            """,
            new
            {
                email,
                now,
                forgetBefore = now - _options.ForgetAfter,
                _options.FreeAttempts,
                baseSeconds = _options.BaseLockout.TotalSeconds,
                maxSeconds = _options.MaxLockout.TotalSeconds,
            });
    }

    public async Task ResetAsync(string email)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("DELETE FROM login_throttle WHERE email_key = lower(@email)", new { email });
    }

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM login_throttle
            WHERE last_failed_at < @forgetBefore AND (locked_until IS NULL OR locked_until < @now)
            """, new { now, forgetBefore = now - _options.ForgetAfter }, cancellationToken: cancellationToken));
    }
}
