using Api.Auth;
using Api.Sessions;

namespace Api.Users;

public static class UsersEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/profile").WithTags("Profile").RequireSession();

        group.MapGet("", GetProfile)
            .WithName("GetProfile")
            .WithSummary("The logged-in user's profile.");

        return routes;
    }

    // The session lookup already joined the user's current row, so the profile costs no further query.
    public static Ok<ProfileResponse> GetProfile(CurrentSession current)
    {
        var session = current.Session;
        return TypedResults.Ok(new ProfileResponse(session.UserId, session.Email, session.Name, session.Role, session.UserCreatedAt));
    }
}
