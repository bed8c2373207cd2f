using Dapper;
using Npgsql;

namespace Api.Admin;

/// <summary>
/// Every admin mutation runs in a transaction that holds one advisory lock and then re-checks that its caller is still an
/// active admin. Mutations thus run one at a time, and one that raced the caller's own demotion or disabling is refused:
/// the filter's check at the start of the request is not enough, since a demotion may commit while it waits.
/// </summary>
public static class AdminLock
{
    internal const long Key = 7_310_564_220_117_403_502;

    /// <summary>
    /// Begins the transaction, takes the lock and re-checks the actor and the session they act through; null (nothing
    /// held) when they are no longer an active admin, or that session was revoked meanwhile (a suspected hijack).
    /// </summary>
    public static async Task<NpgsqlTransaction?> BeginAsync(NpgsqlConnection connection, AdminActor actor)
    {
        var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@Key)", new { Key }, transaction);
        // A statement of its own: under READ COMMITTED it takes a snapshot after the lock was granted, so it sees a
        // demotion that committed while this transaction waited. In the lock's statement it would not.
        if (await connection.ExecuteScalarAsync<bool>(
            """
            SELECT EXISTS (
                SELECT 1 FROM users u JOIN sessions s ON s.user_id = u.id
                WHERE u.id = @UserId AND s.id = @SessionId AND u.role = 'admin' AND u.disabled_at IS NULL)
            """, actor, transaction))
        {
            return transaction;
        }
        await transaction.DisposeAsync();
        return null;
    }
}

/// <summary>The admin behind a mutation, the session they act through, and where they act from (for the audit trail).</summary>
public sealed record AdminActor(long UserId, Guid SessionId, System.Net.IPAddress? Ip, string? UserAgent)
{
    public static AdminActor Of(Sessions.AuthenticatedSession session, HttpContext http)
    {
        var (ip, userAgent) = Audit.AuditEvent.Client(http);
        return new(session.UserId, session.SessionId, ip, userAgent);
    }

    /// <summary>An event of this admin acting on <paramref name="userId"/>.</summary>
    public Audit.AuditEvent Event(string type, long userId, IReadOnlyDictionary<string, string>? detail = null) =>
        new(type, userId, UserId, SessionId, Ip, UserAgent, detail);
}
