using Api.Auth;
using Api.Infrastructure;
using Api.Passwords;
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
            .WithValidation<UpdateProfileRequest>()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/password", ChangePassword)
            .WithName("ChangePassword")
            .WithSummary("Change the password: every other session of the user ends, and this one gets a new cookie.")
            .WithValidation<ChangePasswordRequest>()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return routes;
    }

    // The session lookup already joined the user's current row, so the profile costs no further query.
    public static Ok<ProfileResponse> GetProfile(CurrentSession current)
    {
        var session = current.Session;
        return TypedResults.Ok(new ProfileResponse(session.UserId, session.Email, session.Name, session.Role, session.UserCreatedAt));
    }

    public static async Task<Ok<ProfileResponse>> UpdateProfile(UpdateProfileRequest request, CurrentSession current, UserStore users)
    {
        var session = current.Session;
        await users.UpdateNameAsync(session.UserId, request.Name!);
        return TypedResults.Ok(new ProfileResponse(session.UserId, session.Email, request.Name!, session.Role, session.UserCreatedAt));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(
        ChangePasswordRequest request, CurrentSession current, HttpContext http,
        UserStore users, PasswordHasher hasher, PasswordWorkLimiter limiter, SessionIssuer issuer)
    {
        var session = current.Session;
        var stored = await users.FindCredentialsAsync(session.Email);
        // Checking the old password and hashing the new one share one slot: both are bcrypt.
        var (ran, newHash) = await limiter.TryRunAsync(
            () => stored is not null && hasher.Verify(request.CurrentPassword!, stored.PasswordHash) ? hasher.Hash(request.NewPassword!) : null,
            http.RequestAborted);
        if (!ran)
        {
            return PasswordProblems.Busy(http);
        }
        if (newHash is null)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is wrong."] });
        }

        await users.ChangePasswordAsync(session.UserId, newHash, transaction => issuer.StartAsync(http, session.UserId, session.RememberMe, transaction));
        return TypedResults.NoContent();
    }
}
