using System.ComponentModel.DataAnnotations;
using Api.Infrastructure;
using Api.Users;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Auth;

public sealed class LoginThrottleOptions : IValidatableObject
{
    public const string SectionName = "LoginThrottle";

    /// <summary>Failed password checks of one account (from browsers it does not trust) before it is locked.</summary>
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

    /// <summary>Failed password checks from one trusted browser before that browser alone is locked.</summary>
    [Range(1, 1000)]
    public int DeviceFreeAttempts { get; set; } = 5;

    /// <summary>How long a browser stays trusted after its last successful login: the device cookie's Max-Age.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan DeviceLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How often forgotten failures and expired trusted browsers are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxLockout < BaseLockout)
        {
            yield return new ValidationResult("LoginThrottle:MaxLockout must not be shorter than LoginThrottle:BaseLockout.");
        }
    }
}

/// <summary>What a password check reads in its first query: the user (if any), the account's lock and this browser's standing.</summary>
public sealed class LoginLookup
{
    public required string EmailKey { get; init; }
    public long? Id { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    public string? Role { get; init; }
    public string? PasswordHash { get; init; }
    public DateTime? DisabledAt { get; init; }
    public DateTime? EmailVerifiedAt { get; init; }
    public bool TwoFactorEnabled { get; init; }
    public DateTime? AccountLockedUntil { get; init; }

    /// <summary>The request's device cookie vouches for this user.</summary>
    public bool DeviceTrusted { get; init; }
    public DateTime? DeviceLockedUntil { get; init; }

    public UserCredentials? User => Id is { } id
        ? new UserCredentials { Id = id, Email = Email!, Name = Name!, Role = Role!, PasswordHash = PasswordHash!, DisabledAt = DisabledAt, EmailVerifiedAt = EmailVerifiedAt, TwoFactorEnabled = TwoFactorEnabled }
        : null;
}

/// <summary>
/// An attempt counted before its password is checked, so that parallel guesses cannot all slip past the free attempts.
/// It stands as a failure unless it is given back (the check never ran) or cleared (the check succeeded).
/// </summary>
public sealed record ThrottleReservation(string EmailKey, long? UserId, byte[]? DeviceHash, int Count, DateTime? LockedUntil);

/// <summary>
/// The per-account brute-force throttle, kept in PostgreSQL so it holds across API instances and against rotating IPs,
/// with OWASP's device cookies: a browser the account logged in from before has a budget of its own, so the account's
/// lock, which anyone can trigger, never keeps the owner out of that browser. A lock always ends.
/// </summary>
public sealed class LoginThrottle(NpgsqlDataSource dataSource, TimeProvider time, IOptions<LoginThrottleOptions> options) : ICleanupTask
{
    public const int MaxDevicesPerUser = 10;

    private readonly LoginThrottleOptions _options = options.Value;
    private readonly Lockout _account = new(options.Value.FreeAttempts, options.Value.BaseLockout, options.Value.MaxLockout);
    private readonly Lockout _device = new(options.Value.DeviceFreeAttempts, options.Value.BaseLockout, options.Value.MaxLockout);

    public string Name => "forgotten failed logins and expired trusted browsers";

    public TimeSpan Interval => _options.CleanupInterval;

    /// <summary>
    /// The next failure count of row <c>t</c>: failures older than ForgetAfter are forgotten, and the count stops at the
    /// lockout's <see cref="Lockout.MaxCount"/>, so it never overflows.
    /// </summary>
    private const string NextCount = "CASE WHEN t.last_failed_at < @forgetBefore THEN 1 ELSE LEAST(t.failed_count, @maxCount - 1) + 1 END";

    /// <summary>The lock that count sets: an index into <see cref="Lockout.LockSeconds"/>, so SQL does no arithmetic of its own.</summary>
    private static string LockAfter(string count) =>
        $"CASE WHEN {count} >= @freeAttempts THEN @now + make_interval(secs => (@lockSeconds::float8[])[{count} - @freeAttempts + 1]) END";

    /// <summary>Finds the user by email, or by id for an authenticated check, with the locks that apply to this browser.</summary>
    public Task<LoginLookup> LookupAsync(string? email, long? userId, byte[]? deviceHash) =>
        dataSource.ReadAsync(connection => connection.QuerySingleAsync<LoginLookup>("""
            WITH k AS (
                SELECT CASE WHEN @userId::bigint IS NULL THEN email_key(@email::text)
                            ELSE (SELECT email_key FROM users WHERE id = @userId) END AS email_key)
            SELECT k.email_key, u.id, u.email, u.name, u.role, u.password_hash, u.disabled_at, u.email_verified_at,
                   tf.user_id IS NOT NULL AS two_factor_enabled,
                   t.locked_until AS account_locked_until,
                   d.user_id IS NOT NULL AS device_trusted, d.locked_until AS device_locked_until
            FROM k
            LEFT JOIN users u ON u.email_key = k.email_key
            LEFT JOIN two_factor tf ON tf.user_id = u.id AND tf.enabled_at IS NOT NULL
            LEFT JOIN login_throttle t ON t.email_key = k.email_key
            LEFT JOIN login_devices d ON d.token_hash = @deviceHash AND d.user_id = u.id AND d.expires_at > @now
            """, new { email, userId, deviceHash, now = Now() }));

    /// <summary>How long the budget this browser draws on is locked, or null when a check may go ahead.</summary>
    public TimeSpan? LockedFor(LoginLookup lookup) =>
        Lockout.Remaining(lookup.DeviceTrusted ? lookup.DeviceLockedUntil : lookup.AccountLockedUntil, Now());

    /// <summary>
    /// Counts the attempt against the browser's budget before any bcrypt, atomically with the check that the budget is
    /// not locked: of any number of parallel guesses at most the free attempts get through. Null when it is locked.
    /// </summary>
    public async Task<ThrottleReservation?> ReserveAsync(LoginLookup lookup, byte[]? deviceHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (lookup.DeviceTrusted)
        {
            var device = await connection.QuerySingleOrDefaultAsync<(int FailedCount, DateTime? LockedUntil)>($"""
                UPDATE login_devices AS t SET
                    failed_count = {NextCount},
                    last_failed_at = @now,
                    locked_until = {LockAfter(NextCount)}
                WHERE t.token_hash = @deviceHash AND t.user_id = @userId AND t.expires_at > @now
                  AND (t.locked_until IS NULL OR t.locked_until <= @now)
                RETURNING t.failed_count, t.locked_until
                """, Parameters(_device, new { deviceHash, userId = lookup.Id }));
            return device.FailedCount == 0 ? null : new ThrottleReservation(lookup.EmailKey, lookup.Id, deviceHash, device.FailedCount, device.LockedUntil);
        }

        var account = await connection.QuerySingleOrDefaultAsync<(int FailedCount, DateTime? LockedUntil)>($"""
            INSERT INTO login_throttle AS t (email_key, failed_count, last_failed_at, locked_until)
            VALUES (@emailKey, 1, @now, {LockAfter("1")})
            ON CONFLICT (email_key) DO UPDATE SET
                failed_count = {NextCount},
                last_failed_at = @now,
                locked_until = {LockAfter(NextCount)}
            WHERE t.locked_until IS NULL OR t.locked_until <= @now
            RETURNING t.failed_count, t.locked_until
            """, Parameters(_account, new { lookup.EmailKey }));
        return account.FailedCount == 0 ? null : new ThrottleReservation(lookup.EmailKey, null, null, account.FailedCount, account.LockedUntil);
    }

    /// <summary>How long the budget that refused a reservation stays locked (it was locked by a parallel attempt).</summary>
    public async Task<TimeSpan> LockedForAfterRaceAsync(LoginLookup lookup, byte[]? deviceHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var until = lookup.DeviceTrusted
            ? await connection.ExecuteScalarAsync<DateTime?>(
                "SELECT locked_until FROM login_devices WHERE token_hash = @deviceHash AND user_id = @userId", new { deviceHash, userId = lookup.Id })
            : await connection.ExecuteScalarAsync<DateTime?>(
                "SELECT locked_until FROM login_throttle WHERE email_key = @EmailKey", new { lookup.EmailKey });
        // A lock that ended in between still answers "wait a second" rather than letting this attempt skip the count.
        return Lockout.Remaining(until, Now()) ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>The check never ran (no bcrypt slot, or the client went away): the attempt is not a failure.</summary>
    public async Task GiveBackAsync(ThrottleReservation reservation)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var parameters = new { reservation.EmailKey, reservation.DeviceHash, reservation.UserId, reservation.LockedUntil };
        await connection.ExecuteAsync(reservation.DeviceHash is null
            ? """
              UPDATE login_throttle SET failed_count = failed_count - 1,
                  locked_until = CASE WHEN locked_until = @LockedUntil THEN NULL ELSE locked_until END
              WHERE email_key = @EmailKey AND failed_count > 0
              """
            : """
              UPDATE login_devices SET failed_count = failed_count - 1,
                  locked_until = CASE WHEN locked_until = @LockedUntil THEN NULL ELSE locked_until END
              WHERE token_hash = @DeviceHash AND user_id = @UserId AND failed_count > 0
              """, parameters);
    }

    /// <summary>
    /// The password was right: the failures up to and including this attempt are forgotten. Attempts reserved after it
    /// by parallel requests still count, so a success in the middle of a burst does not reopen the budget.
    /// </summary>
    public async Task ClearAsync(ThrottleReservation reservation)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var parameters = new { reservation.EmailKey, reservation.DeviceHash, reservation.UserId, reserved = reservation.Count, _account.FreeAttempts, deviceFreeAttempts = _device.FreeAttempts };
        await connection.ExecuteAsync(reservation.DeviceHash is null
            ? """
              WITH cleared AS (DELETE FROM login_throttle WHERE email_key = @EmailKey AND failed_count <= @reserved RETURNING 1)
              UPDATE login_throttle SET failed_count = GREATEST(failed_count - @reserved, 0),
                  locked_until = CASE WHEN failed_count - @reserved >= @FreeAttempts THEN locked_until END
              WHERE email_key = @EmailKey AND NOT EXISTS (SELECT 1 FROM cleared)
              """
            : """
              UPDATE login_devices SET failed_count = GREATEST(failed_count - @reserved, 0),
                  locked_until = CASE WHEN failed_count - @reserved >= @deviceFreeAttempts THEN locked_until END
              WHERE token_hash = @DeviceHash AND user_id = @UserId
              """, parameters);
    }

    /// <summary>
    /// After a successful login or registration: a fresh device token vouches for the user, for
    /// <see cref="LoginThrottleOptions.DeviceLifetime"/> from now, and takes over whatever other accounts the presented
    /// token vouched for (one browser, several accounts). The presented value itself is never kept, so a token someone
    /// else knows (a shared computer) never comes to vouch for a new account. Each user keeps their
    /// <see cref="MaxDevicesPerUser"/> most recently used browsers: every trusted browser is a budget of its own, and
    /// they must not pile up.
    /// </summary>
    public async Task TrustDeviceAsync(byte[]? presentedHash, byte[] freshHash, long userId)
    {
        var now = Now();
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            WITH moved AS (
                    UPDATE login_devices SET token_hash = @freshHash
                    WHERE token_hash = @presentedHash AND user_id <> @userId AND expires_at > @now),
                 replaced AS (DELETE FROM login_devices WHERE token_hash = @presentedHash AND user_id = @userId)
            INSERT INTO login_devices (token_hash, user_id, created_at, expires_at)
            VALUES (@freshHash, @userId, @now, @expiresAt);

            DELETE FROM login_devices
            WHERE user_id = @userId AND token_hash IN (
                SELECT token_hash FROM login_devices WHERE user_id = @userId ORDER BY expires_at DESC OFFSET @MaxDevicesPerUser);
            """, new { presentedHash, freshHash, userId, now, expiresAt = now + _options.DeviceLifetime, MaxDevicesPerUser });
    }

    /// <summary>Lifts the account's lock and forgets its failures, in the caller's transaction (a password reset).</summary>
    public static Task ClearAccountAsync(NpgsqlTransaction transaction, string emailKey) =>
        transaction.Connection!.ExecuteAsync("DELETE FROM login_throttle WHERE email_key = @emailKey", new { emailKey }, transaction);

    /// <summary>
    /// The user's browsers no longer vouch for them, all but <paramref name="keepHash"/>'s: after a password change every
    /// other browser earned its trust with a password that no longer counts; after disabling, a role change or "log out
    /// everywhere", none should keep it. Joins <paramref name="transaction"/>.
    /// </summary>
    public static Task ForgetDevicesAsync(NpgsqlTransaction transaction, long userId, byte[]? keepHash = null) =>
        transaction.Connection!.ExecuteAsync(
            "DELETE FROM login_devices WHERE user_id = @userId AND (@keepHash::bytea IS NULL OR token_hash <> @keepHash)",
            new { userId, keepHash }, transaction);

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = Now();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH devices AS (DELETE FROM login_devices WHERE expires_at <= @now RETURNING 1),
                 accounts AS (
                    DELETE FROM login_throttle
                    WHERE last_failed_at < @forgetBefore AND (locked_until IS NULL OR locked_until < @now)
                    RETURNING 1)
            SELECT (SELECT count(*) FROM devices) + (SELECT count(*) FROM accounts)
            """, new { now, forgetBefore = now - _options.ForgetAfter }, cancellationToken: cancellationToken));
    }

    private DateTime Now() => time.GetUtcNow().UtcDateTime;

    private DynamicParameters Parameters(Lockout lockout, object keys)
    {
        var now = Now();
        var parameters = new DynamicParameters(keys);
        parameters.AddDynamicParams(new
        {
            now,
            forgetBefore = now - _options.ForgetAfter,
            freeAttempts = lockout.FreeAttempts,
            maxCount = lockout.MaxCount,
            lockSeconds = lockout.LockSeconds.ToArray(),
        });
        return parameters;
    }
}
