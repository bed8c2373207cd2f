using Api.Auth;
using Api.Sessions;
using Api.Users;

namespace Api.Dashboard;

public sealed record DashboardResponse(UserResponse User, long Visits);

public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/dashboard").WithTags("Dashboard").RequireSession();

        group.MapGet("", GetDashboard)
            .WithName("GetDashboard")
            .WithSummary("The user and how often this session has viewed the dashboard (server-side session data).");

        return routes;
    }

    public static async Task<Results<Ok<DashboardResponse>, ProblemHttpResult>> GetDashboard(CurrentSession current, SessionStore sessions)
    {
        var session = current.Session;
        var visits = await sessions.IncrementVisitsAsync(session.SessionId);
        if (visits is null)
        {
            return RequireAuth.Unauthorized();
        }
        return TypedResults.Ok(new DashboardResponse(
            new UserResponse(session.UserId, session.Email, session.Name, session.Role), visits.Value));
    }
}
