using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.Json;
using Api.Infrastructure;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Audit;

/// <summary>An event as the read endpoints answer it.</summary>
public sealed record AuditEventResponse(
    long Id, DateTime At,
    [property: AllowedValues(
        AuditEventTypes.LoginSucceeded, AuditEventTypes.LoginFailed, AuditEventTypes.AccountLocked, AuditEventTypes.Logout,
        AuditEventTypes.SessionRevoked, AuditEventTypes.OtherSessionsRevoked, AuditEventTypes.PasswordChanged,
        AuditEventTypes.PasswordResetRequested, AuditEventTypes.PasswordResetCompleted, AuditEventTypes.EmailVerified,
        AuditEventTypes.TwoFactorEnabled, AuditEventTypes.TwoFactorDisabled, AuditEventTypes.RecoveryCodesRegenerated,
        AuditEventTypes.RecoveryCodeUsed, AuditEventTypes.UserCreated, AuditEventTypes.RoleChanged, AuditEventTypes.UserDisabled,
        AuditEventTypes.UserEnabled, AuditEventTypes.AdminForcedLogout, AuditEventTypes.PasswordCheckFailed)]
    string Type, long? UserId, long? ActorId, Guid? SessionId, string? Ip, string? UserAgent,
    IReadOnlyDictionary<string, string> Detail);

/// <summary>A page of events, newest first; <see cref="Next"/> is the <c>before</c> of the following page, null on the last.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEventResponse> Items, long? Next);

/// <summary>
/// Every statement on <c>audit_events</c>. An event is written in the transaction of the change it records, so a
/// change that rolls back leaves no event, and logged as a structured message (<see cref="AuditLog"/>).
/// </summary>
public sealed class AuditTrail(NpgsqlDataSource dataSource, TimeProvider time, IOptions<AuditOptions> options, AuditLog log) : ICleanupTask
{
    private const string InsertSql = """
        INSERT INTO audit_events (at, type, user_id, actor_id, session_id, ip, user_agent, detail)
        VALUES (@at, @Type, @UserId, @ActorId, @SessionId, @Ip, @UserAgent, @detail::jsonb)
        """;

    private readonly AuditOptions _options = options.Value;

    public string Name => "audit events past their retention";

    public TimeSpan Interval => _options.CleanupInterval;

    /// <summary>Records <paramref name="auditEvent"/> in <paramref name="transaction"/>: it commits or rolls back with the change.</summary>
    public async Task WriteAsync(NpgsqlTransaction transaction, AuditEvent auditEvent)
    {
        await transaction.Connection!.ExecuteAsync(InsertSql, Parameters(auditEvent), transaction);
        log.Write(auditEvent);
    }

    /// <summary>Records an event that goes with no other change (a failed login).</summary>
    public async Task WriteAsync(AuditEvent auditEvent)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(InsertSql, Parameters(auditEvent));
        log.Write(auditEvent);
    }

    /// <summary>Events newest first, filtered by user and type, before the event id <paramref name="before"/>.</summary>
    public Task<AuditPage> SearchAsync(long? userId, string? type, long? before, int limit) =>
        PageAsync("""
            SELECT id, at, type, user_id, actor_id, session_id, ip, user_agent, detail::text AS detail
            FROM audit_events
            WHERE (@userId::bigint IS NULL OR user_id = @userId) AND (@type::text IS NULL OR type = @type)
              AND (@before::bigint IS NULL OR id < @before)
            ORDER BY id DESC
            LIMIT @take
            """, new { userId, type, before, take = limit + 1 }, limit);

    /// <summary>
    /// The user's own events since <paramref name="since"/>. Where an admin acted on the account, the admin's address,
    /// browser and session are theirs, not the user's to see.
    /// </summary>
    public Task<AuditPage> OwnAsync(long userId, DateTime since, long? before, int limit) =>
        PageAsync("""
            SELECT id, at, type, user_id, actor_id,
                   CASE WHEN actor_id IS NULL OR actor_id = user_id THEN session_id END AS session_id,
                   CASE WHEN actor_id IS NULL OR actor_id = user_id THEN ip END AS ip,
                   CASE WHEN actor_id IS NULL OR actor_id = user_id THEN user_agent END AS user_agent,
                   detail::text AS detail
            FROM audit_events
            WHERE user_id = @userId AND at >= @since AND (@before::bigint IS NULL OR id < @before)
            ORDER BY id DESC
            LIMIT @take
            """, new { userId, since, before, take = limit + 1 }, limit);

    public Task<int> RunOnceAsync(CancellationToken cancellationToken) =>
        CleanupBatches.RunAsync(DeleteExpiredBatchAsync, _options.CleanupBatchSize, time, cancellationToken);

    private async Task<int> DeleteExpiredBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM audit_events WHERE id IN (
                SELECT id FROM audit_events WHERE at < @before LIMIT @batchSize FOR UPDATE SKIP LOCKED)
            """, new { before = time.GetUtcNow().UtcDateTime - _options.Retention, batchSize = _options.CleanupBatchSize }, cancellationToken: cancellationToken));
    }

    private async Task<AuditPage> PageAsync(string sql, object parameters, int limit)
    {
        var rows = await dataSource.ReadAsync(async connection => (await connection.QueryAsync<Row>(sql, parameters)).AsList());
        var items = rows.Take(limit).Select(row => new AuditEventResponse(
            row.Id, row.At, row.Type, row.UserId, row.ActorId, row.SessionId, row.Ip?.ToString(), row.UserAgent,
            JsonSerializer.Deserialize<Dictionary<string, string>>(row.Detail) ?? [])).ToList();
        return new AuditPage(items, rows.Count > limit ? items[^1].Id : null);
    }

    private object Parameters(AuditEvent e) => new
    {
        at = time.GetUtcNow().UtcDateTime,
        e.Type,
        e.UserId,
        e.ActorId,
        e.SessionId,
        e.Ip,
        e.UserAgent,
        detail = JsonSerializer.Serialize(e.Detail ?? new Dictionary<string, string>()),
    };

    private sealed class Row
    {
        public required long Id { get; init; }
        public required DateTime At { get; init; }
        public required string Type { get; init; }
        public long? UserId { get; init; }
        public long? ActorId { get; init; }
        public Guid? SessionId { get; init; }
        public IPAddress? Ip { get; init; }
        public string? UserAgent { get; init; }
        public required string Detail { get; init; }
    }
}
