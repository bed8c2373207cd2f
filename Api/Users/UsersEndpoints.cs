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
            .WithDescription("The current password is checked under the same throttle as login: a wrong one is 400, a locked account or browser 429 with Retry-After.")
            .WithValidation<ChangePasswordRequest>()
            .RequireRateLimiting(Security.SecurityConfiguration.AuthRateLimit)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
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
        var name = Text.Nfc(request.Name!);
        await users.UpdateNameAsync(session.UserId, name);
        return TypedResults.Ok(new ProfileResponse(session.UserId, session.Email, name, session.Role, session.UserCreatedAt));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(
        ChangePasswordRequest request, CurrentSession current, HttpContext http,
        Credentials credentials, PasswordHasher hasher, PasswordWorkLimiter limiter, PasswordChange change)
    {
        var session = current.Session;
        var check = await credentials.CheckAsync(session.UserId, request.CurrentPassword!, http);
        switch (check.Check)
        {
            case CredentialCheck.Busy:
                return PasswordProblems.Busy(http);
            case CredentialCheck.Locked:
                // Never 401 here: an SPA reads 401 as "logged out", and the session is fine.
                return AuthProblems.TooManyAttempts(http, check.RetryAfter!.Value);
            case CredentialCheck.Invalid:
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is wrong."] });
        }

        var (ran, newHash) = await limiter.TryRunAsync(() => hasher.Hash(request.NewPassword!), http.RequestAborted);
        if (!ran)
        {
            return PasswordProblems.Busy(http);
        }
        await change.ApplyAsync(http, session, newHash);
        return TypedResults.NoContent();
    }
}
