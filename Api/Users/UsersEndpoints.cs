using Api.Infrastructure;
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

        group.MapPut("", UpdateProfile)
            .WithName("UpdateProfile")
            .WithSummary("Change the logged-in user's name.")
            .WithValidation<UpdateProfileRequest>();

        return routes;
    }

    // The session lookup already joined the user's current row, so the profile costs no further query.
    public static Ok<ProfileResponse> GetProfile(CurrentSession current) => TypedResults.Ok(ProfileResponse.From(current.Session));

    public static async Task<Ok<ProfileResponse>> UpdateProfile(UpdateProfileRequest request, CurrentSession current, UserStore users)
    {
        var session = current.Session;
        var name = Text.Nfc(request.Name!);
        await users.UpdateNameAsync(session.UserId, name);
        return TypedResults.Ok(ProfileResponse.From(session, name));
    }
}
