using Api.Infrastructure;
using Api.Sessions;
using Api.Users;

namespace Api.Auth;

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Auth");

        group.MapPost("/login", Login)
            .WithName("Login")
            .WithSummary("Log in: checks the credentials and sets a new session cookie.")
            .WithValidation<LoginRequest>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/logout", Logout)
            .WithName("Logout")
            .WithSummary("Log out: deletes the session and expires the cookie. 204 also without a session.");

        return routes;
    }

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> Login(
        LoginRequest request, HttpContext http, Credentials credentials, SessionStore sessions, SessionCookie cookie)
    {
        // Whatever session the browser brought is ended before a new one starts, so a planted cookie never becomes a
        // logged-in session (session fixation).
        var carriedSession = SessionToken.TryHash(cookie.Read(http.Request), out var carried);
        if (carriedSession)
        {
            await sessions.DeleteByTokenHashAsync(carried);
        }

        var (check, user) = await credentials.CheckAsync(request.Email!, request.Password!, http.RequestAborted);
        if (check != CredentialCheck.Valid && carriedSession)
        {
            cookie.Expire(http.Response);
        }
        switch (check)
        {
            case CredentialCheck.Busy:
                http.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Too many logins at once",
                    detail: "The server is busy checking other logins. Try again in a second.");
            case CredentialCheck.Invalid:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Invalid credentials",
                    detail: "The email or password is wrong.");
        }

        var token = await sessions.CreateAsync(
            user!.Id, request.RememberMe, http.Request.Headers.UserAgent.ToString(), http.Connection.RemoteIpAddress);
        cookie.Write(http.Response, token, request.RememberMe);
        return TypedResults.Ok(new LoginResponse(new UserResponse(user.Id, user.Email, user.Name, user.Role)));
    }

    public static async Task<NoContent> Logout(HttpContext http, SessionStore sessions, SessionCookie cookie)
    {
        if (SessionToken.TryHash(cookie.Read(http.Request), out var tokenHash))
        {
            await sessions.DeleteByTokenHashAsync(tokenHash);
        }
        cookie.Expire(http.Response);
        return TypedResults.NoContent();
    }
}
