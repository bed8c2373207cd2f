using System.Net;
using Api.Infrastructure;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Sessions;

/// <summary>A session just created: the cookie token (never stored) and when the session ends if unused.</summary>
public sealed record NewSession(Guid Id, string Token, DateTime CreatedAt, DateTime ExpiresAt);

/// <summary>A session that was just deleted: its public id and its user.</summary>
public sealed record EndedSession(Guid Id, long UserId);

public sealed class SessionRow
{
    public required Guid Id { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime LastSeenAt { get; init; }
    public required DateTime ExpiresAt { get; init; }
    public string? UserAgent { get; init; }
    public IPAddress? Ip { get; init; }
}

public sealed class SessionStore(NpgsqlDataSource dataSource, TimeProvider time, IOptions<SessionOptions> options, ApiMetrics metrics)
{
    private const int MaxUserAgentLength = 512;
    private readonly SessionOptions _settings = options.Value;
    private readonly SessionLifetime _lifetime = new(options.Value);

    /// <summary>
    /// Creates a session; only the token's hash is stored. Joins <paramref name="transaction"/> when given. With
    /// <paramref name="whilePasswordHash"/>, only while the user still has that hash and is not disabled (null otherwise):
    /// a login whose password was checked just before a reset, a password change or a disabling committed must not
    /// get a session after that change ended all the others. Unless <paramref name="secondFactorChecked"/>, it also
    /// requires that the user has no second factor on: one turned on while the password was being checked ends every
    /// other session, and a login that never asked for it must not outlive that.
    /// </summary>
    public async Task<NewSession?> CreateAsync(
        long userId, bool rememberMe, string? userAgent, IPAddress? ip, NpgsqlTransaction? transaction = null,
        string? whilePasswordHash = null, bool secondFactorChecked = false)
    {
        var token = SecretToken.Create();
        var now = time.GetUtcNow().UtcDateTime;
        var (expiresAt, absoluteExpiresAt) = _lifetime.Start(now, rememberMe);

        const string sql = """
            INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, remember_me, user_agent, ip)
            SELECT @TokenHash, id, @Now, @Now, @ExpiresAt, @AbsoluteExpiresAt, @RememberMe, @UserAgent, @Ip
            FROM users
            WHERE id = @UserId
              AND (@WhilePasswordHash::text IS NULL OR (password_hash = @WhilePasswordHash AND disabled_at IS NULL
                   AND (@SecondFactorChecked OR NOT EXISTS (SELECT 1 FROM two_factor WHERE user_id = @UserId AND enabled_at IS NOT NULL))))
            RETURNING id
            """;
        var parameters = new
        {
            TokenHash = SecretToken.Hash(token),
            UserId = userId,
            Now = now,
            ExpiresAt = expiresAt,
            AbsoluteExpiresAt = absoluteExpiresAt,
            RememberMe = rememberMe,
            UserAgent = userAgent is null ? null : Text.Storable(userAgent, MaxUserAgentLength),
            Ip = ip,
            WhilePasswordHash = whilePasswordHash,
            SecondFactorChecked = secondFactorChecked,
        };
        Guid? id;
        if (transaction is not null)
        {
            id = await transaction.Connection!.ExecuteScalarAsync<Guid?>(sql, parameters, transaction);
        }
        else
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            id = await connection.ExecuteScalarAsync<Guid?>(sql, parameters);
        }
        if (id is not { } created)
        {
            return null;
        }
        metrics.SessionCreated();
        return new NewSession(created, token, now, expiresAt);
    }

    private const string AuthenticatedSessionColumns = """
        s.id AS session_id, s.user_id, u.email, u.name, u.role, u.created_at AS user_created_at, u.disabled_at, u.email_verified_at,
        s.created_at AS session_created_at, s.last_seen_at, s.expires_at, s.absolute_expires_at, s.remember_me,
        EXISTS (SELECT 1 FROM two_factor tf WHERE tf.user_id = s.user_id AND tf.enabled_at IS NOT NULL) AS two_factor_enabled
        """;

    /// <summary>The hot path: cookie hash to session and its user's current role and state, in one round trip, prepared.</summary>
    public Task<AuthenticatedSession?> FindAsync(byte[] tokenHash) =>
        dataSource.ReadAsync(connection => Prepared.QuerySingleOrDefaultAsync<AuthenticatedSession>(connection, $"""
            SELECT {AuthenticatedSessionColumns}
            FROM sessions s
            JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = @tokenHash
            """, new NpgsqlParameter<byte[]>("tokenHash", tokenHash)));

    /// <summary>
    /// As <see cref="FindAsync"/>, and counts a dashboard view in the session's server-side data in the same statement:
    /// one round trip and one write, where a lookup followed by an update took two round trips (bench/README.md). Only a
    /// live session of an enabled user is counted; null otherwise, without saying why. The increment happens in SQL
    /// under the row lock, so concurrent requests on one session never lose a count.
    /// </summary>
    public async Task<AuthenticatedSession?> FindLiveCountingVisitAsync(byte[] tokenHash, DateTime now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await Prepared.QuerySingleOrDefaultAsync<AuthenticatedSession>(connection, $$"""
            UPDATE sessions s
            SET data = jsonb_set(s.data, '{visits}', to_jsonb(COALESCE((s.data ->> 'visits')::bigint, 0) + 1))
            FROM users u
            WHERE s.token_hash = @tokenHash AND u.id = s.user_id
              AND u.disabled_at IS NULL AND s.expires_at > @now AND s.absolute_expires_at > @now
            RETURNING {{AuthenticatedSessionColumns}}, (s.data ->> 'visits')::bigint AS visits
            """, new NpgsqlParameter<byte[]>("tokenHash", tokenHash), new NpgsqlParameter<DateTime>("now", now));
    }

    /// <summary>
    /// Slides the expiry. The last_seen_at condition makes concurrent requests of one session write once between them.
    /// </summary>
    public async Task<bool> TouchAsync(Guid sessionId, DateTime now, DateTime expiresAt, DateTime touchedBefore)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await Prepared.ExecuteAsync(connection, """
            UPDATE sessions SET last_seen_at = @now, expires_at = @expiresAt
            WHERE id = @sessionId AND last_seen_at <= @touchedBefore
            """,
            new NpgsqlParameter<Guid>("sessionId", sessionId), new NpgsqlParameter<DateTime>("now", now),
            new NpgsqlParameter<DateTime>("expiresAt", expiresAt), new NpgsqlParameter<DateTime>("touchedBefore", touchedBefore)) == 1;
    }

    public Task<IReadOnlyList<SessionRow>> ListLiveForUserAsync(long userId) =>
        dataSource.ReadAsync<IReadOnlyList<SessionRow>>(async connection => (await connection.QueryAsync<SessionRow>("""
            SELECT id, created_at, last_seen_at, LEAST(expires_at, absolute_expires_at) AS expires_at, user_agent, ip
            FROM sessions
            WHERE user_id = @userId AND expires_at > @now AND absolute_expires_at > @now
            ORDER BY last_seen_at DESC, created_at DESC
            """, new { userId, now = time.GetUtcNow().UtcDateTime })).AsList());

    public async Task DeleteByTokenHashAsync(byte[] tokenHash, SessionEndReason reason)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        metrics.SessionsEnded(await connection.ExecuteAsync("DELETE FROM sessions WHERE token_hash = @tokenHash", new { tokenHash }), reason);
    }

    /// <summary>Deletes the session in <paramref name="transaction"/>; whose it was, or null when there was none.</summary>
    public async Task<EndedSession?> DeleteByTokenHashAsync(NpgsqlTransaction transaction, byte[] tokenHash, SessionEndReason reason)
    {
        var ended = await transaction.Connection!.QuerySingleOrDefaultAsync<EndedSession?>(
            "DELETE FROM sessions WHERE token_hash = @tokenHash RETURNING id, user_id", new { tokenHash }, transaction);
        metrics.SessionsEnded(ended is null ? 0 : 1, reason);
        return ended;
    }

    public async Task DeleteIfExpiredAsync(byte[] tokenHash, DateTime now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        metrics.SessionsEnded(await connection.ExecuteAsync(
            "DELETE FROM sessions WHERE token_hash = @tokenHash AND (expires_at <= @now OR absolute_expires_at <= @now)",
            new { tokenHash, now }), SessionEndReason.Expired);
    }

    /// <summary>Deletes the session only if it belongs to the user; false otherwise, so nobody learns others' ids.</summary>
    public async Task<bool> DeleteOwnAsync(NpgsqlTransaction transaction, long userId, Guid sessionId)
    {
        var deleted = await transaction.Connection!.ExecuteAsync(
            "DELETE FROM sessions WHERE id = @sessionId AND user_id = @userId", new { sessionId, userId }, transaction);
        metrics.SessionsEnded(deleted, SessionEndReason.Revoked);
        return deleted == 1;
    }

    /// <summary>
    /// Deletes every session of the user except <paramref name="keep"/> (all of them when null). The sessions are
    /// counted as ended for <paramref name="reason"/> when the statement ran, before the caller's transaction commits.
    /// </summary>
    public async Task<int> DeleteAllForUserAsync(long userId, SessionEndReason reason, Guid? keep = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = "DELETE FROM sessions WHERE user_id = @userId AND (@keep::uuid IS NULL OR id <> @keep)";
        int deleted;
        if (transaction is not null)
        {
            deleted = await transaction.Connection!.ExecuteAsync(sql, new { userId, keep }, transaction);
        }
        else
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            deleted = await connection.ExecuteAsync(sql, new { userId, keep });
        }
        metrics.SessionsEnded(deleted, reason);
        return deleted;
    }

    /// <summary>
    /// Deletes up to one batch of expired sessions. SKIP LOCKED lets several instances clean at once without waiting on
    /// each other or on requests that hold a session row. The oldest go first, in the order of sessions_ends_at_idx, so
    /// each batch reads only its own rows (see migration 0003).
    /// </summary>
    public async Task<int> DeleteExpiredBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM sessions WHERE id IN (
                SELECT id FROM sessions
                WHERE LEAST(expires_at, absolute_expires_at) <= @now
                ORDER BY LEAST(expires_at, absolute_expires_at)
                LIMIT @batchSize
                FOR UPDATE SKIP LOCKED)
            """, new { now = time.GetUtcNow().UtcDateTime, batchSize = _settings.CleanupBatchSize }, cancellationToken: cancellationToken));
        metrics.SessionsEnded(deleted, SessionEndReason.ExpiredCleanup);
        return deleted;
    }
}
