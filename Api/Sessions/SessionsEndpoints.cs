using Api.Infrastructure;

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

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeSession(Guid id, CurrentSession current, SessionStore sessions, SessionIssuer issuer, HttpContext http)
    {
        if (!await sessions.DeleteOwnAsync(current.Session.UserId, id))
        {
            return Problems.SessionNotFound();
        }
        if (id == current.Session.SessionId)
        {
            issuer.ExpireCookie(http);
        }
        return TypedResults.NoContent();
    }

    public static async Task<Ok<RevokedResponse>> RevokeOtherSessions(CurrentSession current, SessionStore sessions) =>
        TypedResults.Ok(new RevokedResponse(await sessions.DeleteAllForUserAsync(current.Session.UserId, SessionEndReason.OtherSessionsRevoked, keep: current.Session.SessionId)));
}
