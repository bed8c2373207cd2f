using Api.Audit;
using Api.Infrastructure;
using Npgsql;

namespace Api.Sessions;

public sealed record SessionResponse(Guid Id, DateTime CreatedAt, DateTime LastSeenAt, DateTime ExpiresAt, string? UserAgent, string? Ip, bool Current);

public sealed record RevokedResponse(int Revoked);

public static class SessionsEndpoints
{
    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/sessions").WithTags("Sessions").RequireSession();

        group.MapGet("", ListSessions)
            .WithName("ListSessions")
            .WithSummary("The caller's live sessions (devices), most recently used first; `current` marks this one.");

        group.MapDelete("/{id:guid}", RevokeSession)
            .WithName("RevokeSession")
            .WithSummary("Revoke one of the caller's sessions. 404 for any id that is not the caller's.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("", RevokeOtherSessions)
            .WithName("RevokeOtherSessions")
            .WithSummary("Revoke all of the caller's sessions except the current one.");

        return routes;
    }

    public static async Task<Ok<SessionResponse[]>> ListSessions(CurrentSession current, SessionStore sessions)
    {
        var rows = await sessions.ListLiveForUserAsync(current.Session.UserId);
        return TypedResults.Ok(rows
            .Select(s => new SessionResponse(s.Id, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.Ip?.ToString(), s.Id == current.Session.SessionId))
            .ToArray());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeSession(
        Guid id, CurrentSession current, SessionStore sessions, SessionCache cache, NpgsqlDataSource dataSource, AuditTrail audit, SessionIssuer issuer, HttpContext http)
    {
        var session = current.Session;
        var revoked = await dataSource.InTransactionAsync(async transaction =>
        {
            if (!await sessions.DeleteOwnAsync(transaction, session.UserId, id))
            {
                return false;
            }
            await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.SessionRevoked, session.UserId, session.UserId, id,
                new Dictionary<string, string> { ["by"] = "user" }));
            return true;
        });
        if (!revoked)
        {
            return Problems.SessionNotFound();
        }
        cache.EvictSession(id, SessionCacheEviction.Changed);
        if (id == session.SessionId)
        {
            issuer.ExpireCookie(http);
        }
        return TypedResults.NoContent();
    }

    public static async Task<Ok<RevokedResponse>> RevokeOtherSessions(
        CurrentSession current, SessionStore sessions, SessionCache cache, NpgsqlDataSource dataSource, AuditTrail audit, HttpContext http)
    {
        var session = current.Session;
        var revoked = await dataSource.InTransactionAsync(async transaction =>
        {
            var count = await sessions.DeleteAllForUserAsync(session.UserId, SessionEndReason.OtherSessionsRevoked, keep: session.SessionId, transaction: transaction);
            await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.OtherSessionsRevoked, session.UserId, session.UserId, session.SessionId,
                new Dictionary<string, string> { ["count"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            return count;
        });
        cache.EvictUser(session.UserId, SessionCacheEviction.Changed);
        return TypedResults.Ok(new RevokedResponse(revoked));
    }
}
