using System.Net;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Sessions;

public sealed class SessionStore(NpgsqlDataSource dataSource, TimeProvider time, IOptions<SessionSettings> options)
{
    private const int MaxUserAgentLength = 512;
    private readonly SessionSettings _options = options.Value;

    /// <summary>Creates a session and returns the cookie token; only its hash is stored.</summary>
    public async Task<string> CreateAsync(long userId, bool rememberMe, string? userAgent, IPAddress? ip)
    {
        var token = SessionToken.Create();
        var now = time.GetUtcNow().UtcDateTime;
        var absoluteExpiresAt = now + _options.AbsoluteLifetime;
        var expiresAt = Min(now + (rememberMe ? _options.RememberMeLifetime : _options.IdleTimeout), absoluteExpiresAt);

        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, remember_me, user_agent, ip)
            VALUES (@TokenHash, @UserId, @Now, @Now, @ExpiresAt, @AbsoluteExpiresAt, @RememberMe, @UserAgent, @Ip)
            """,
            new
            {
                TokenHash = SessionToken.Hash(token),
                UserId = userId,
                Now = now,
                ExpiresAt = expiresAt,
                AbsoluteExpiresAt = absoluteExpiresAt,
                RememberMe = rememberMe,
                UserAgent = userAgent is { Length: > MaxUserAgentLength } ? userAgent[..MaxUserAgentLength] : userAgent,
                Ip = ip,
            });
        return token;
    }

    /// <summary>The hot path: cookie hash to session and its user's current role and state, in one round trip.</summary>
    public async Task<AuthenticatedSession?> FindAsync(byte[] tokenHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<AuthenticatedSession>("""
            SELECT s.id AS session_id, s.user_id, u.email, u.name, u.role, u.created_at AS user_created_at, u.disabled_at,
                   s.created_at AS session_created_at, s.last_seen_at, s.expires_at, s.absolute_expires_at, s.remember_me
            FROM sessions s
            JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = @tokenHash
            """, new { tokenHash });
    }

    public async Task DeleteByTokenHashAsync(byte[] tokenHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("DELETE FROM sessions WHERE token_hash = @tokenHash", new { tokenHash });
    }

    public async Task DeleteAsync(Guid sessionId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("DELETE FROM sessions WHERE id = @sessionId", new { sessionId });
    }

    /// <summary>
    /// Counts a dashboard view in the session's server-side data. The increment happens in SQL under the row lock, so
    /// concurrent requests on one session never lose a count. Null when the session vanished meanwhile.
    /// </summary>
    public async Task<long?> IncrementVisitsAsync(Guid sessionId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long?>("""
            UPDATE sessions
            SET data = jsonb_set(data, '{visits}', to_jsonb(COALESCE((data ->> 'visits')::bigint, 0) + 1))
            WHERE id = @sessionId
            RETURNING (data ->> 'visits')::bigint
            """, new { sessionId });
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
