using Api.Sessions;
using Api.Users;

namespace Api.Dashboard;

public sealed record DashboardResponse(UserResponse User, long Visits);

public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/dashboard").WithTags("Dashboard").RequireSession(SessionLookup.CountVisit);

        group.MapGet("", GetDashboard)
            .WithName("GetDashboard")
            .WithSummary("The user and how often this session has viewed the dashboard (server-side session data).");

        return routes;
    }

    public static Ok<DashboardResponse> GetDashboard(CurrentSession current)
    {
        var session = current.Session;
        var visits = session.Visits
            ?? throw new InvalidOperationException("GET /dashboard reads the visits that RequireSession(SessionLookup.CountVisit) counts.");
        return TypedResults.Ok(new DashboardResponse(UserResponse.From(session), visits));
    }
}
