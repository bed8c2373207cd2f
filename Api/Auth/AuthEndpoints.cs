using Api.Audit;
using Api.Infrastructure;
using Api.Passwords;
using Api.Security;
using Api.Sessions;
using Api.Users;
using Microsoft.Extensions.Options;

namespace Api.Auth;

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Auth").WithMetadata(new SetsCookieMetadata());

        group.MapPost("/login", Login)
            .WithName("Login")
            .WithSummary("Log in: checks the credentials and sets a new session cookie.")
            .WithDescription("Any session the request carried is ended first. Unknown email, wrong password and disabled account all get the same 401 invalid_credentials. "
                + "With two-factor authentication on, a right password alone gets 401 two_factor_required: send it again with twoFactorCode or twoFactorRecoveryCode. "
                + "A wrong or reused code gets 401 two_factor_invalid and counts against the lockout like a wrong password.")
            .WithValidation<LoginRequest>()
            .RequireRateLimiting(SecurityConfiguration.AuthRateLimit)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/session", GetSession)
            .WithName("GetSession")
            .WithSummary("Whether the caller is logged in, and as whom: 200 either way, so an SPA can boot without a 401.")
            .WithDescription("Reads at most one row and never slides the session's expiry or writes anything; a dead cookie is expired in the browser.");

        group.MapPost("/logout", Logout)
            .WithName("Logout")
            .WithSummary("Log out: deletes the session and expires the cookie. 204 also without a session.")
            .WithDescription("The cookie is expired on every answer. While the database is down the answer is 503 with Retry-After, and the session's deletion is retried in the background.");

        if (routes.ServiceProvider.GetRequiredService<IOptions<RegistrationOptions>>().Value.Enabled)
        {
            group.MapPost("/register", Register)
                .WithName("Register")
                .WithSummary("Create an account (role user), mail a link to verify its address, and log in: 201 and a session cookie (none with Registration:RequireVerifiedEmail).")
                .WithValidation<RegisterRequest>()
                .RequireRateLimiting(SecurityConfiguration.AuthRateLimit)
                .ProducesProblem(StatusCodes.Status409Conflict);
        }

        // The password change checks a password, so it lives with login and its throttle, under the profile's path.
        var profile = routes.MapGroup("/profile").WithTags("Profile").RequireSession();
        profile.MapPost("/password", ChangePassword)
            .WithName("ChangePassword")
            .WithSummary("Change the password: every other session of the user ends, and this one gets a new cookie.")
            .WithDescription("The current password is checked under the same throttle as login: a wrong one is 400, a locked account or browser 429 with Retry-After.")
            .WithValidation<ChangePasswordRequest>()
            .RequireRateLimiting(SecurityConfiguration.AuthRateLimit);

        return routes;
    }

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> Login(
        LoginRequest request, HttpContext http, Credentials credentials, SessionIssuer issuer, DeviceCookie devices, Registration registration,
        AuditTrail audit, ApiMetrics metrics)
    {
        var carriedSession = await issuer.EndCarriedSessionAsync(http);

        var result = await credentials.CheckAsync(request.Email!, request.Password!, request.SecondFactor(), http);
        // Told only to whoever knows the password, so it reveals nothing about which accounts exist.
        var unverified = result is CredentialResult.Valid(var valid) && valid.EmailVerifiedAt is null && registration.RequiresVerifiedEmail;
        if (result is not CredentialResult.Valid(var user) || unverified)
        {
            if (carriedSession)
            {
                issuer.ExpireCookie(http);
            }
            metrics.Login(LoginOutcomes.OfRefused(result));
            if (LoginFailure(result) is var (userId, reason))
            {
                await audit.WriteAsync(AuditEvent.Of(http, AuditEventTypes.LoginFailed, userId,
                    detail: new Dictionary<string, string> { ["reason"] = reason }));
            }
            return result switch
            {
                CredentialResult.Locked(var retryAfter, _) => Problems.TooManyAttempts(http, retryAfter),
                CredentialResult.Busy => Problems.PasswordCheckBusy(http),
                CredentialResult.Valid => Problems.EmailNotVerified(),
                CredentialResult.SecondFactorRequired => Problems.TwoFactorRequired(),
                CredentialResult.SecondFactorWrong => Problems.TwoFactorInvalid(),
                _ => Problems.InvalidCredentials(),
            };
        }

        var detail = user.TwoFactorEnabled
            ? new Dictionary<string, string> { ["secondFactor"] = string.IsNullOrEmpty(request.TwoFactorCode) ? "recovery_code" : "totp" }
            : null;
        if (!await issuer.StartAsync(http, user.Id, request.RememberMe, user.PasswordHash, secondFactorChecked: user.TwoFactorEnabled, detail))
        {
            // The password was reset or changed, the account disabled or a second factor turned on while it was being checked.
            metrics.Login(LoginOutcome.InvalidCredentials);
            return Problems.InvalidCredentials();
        }
        metrics.Login(LoginOutcome.Succeeded);
        await devices.TrustAsync(http, user.Id);
        return TypedResults.Ok(new LoginResponse(new UserResponse(user.Id, user.Email, user.Name, user.Role, user.EmailVerifiedAt is not null, user.TwoFactorEnabled)));
    }

    /// <summary>
    /// The account and reason a refused login is recorded with; null for a check that never ran (no bcrypt slot). An
    /// unknown email has no account: what was typed is never kept (people type passwords there).
    /// </summary>
    private static (long? UserId, string Reason)? LoginFailure(CredentialResult result) => result switch
    {
        CredentialResult.Invalid(var userId, var reason) => (userId, reason),
        CredentialResult.Locked(_, var userId) => (userId, LoginFailureReasons.Locked),
        CredentialResult.SecondFactorRequired(var userId) => (userId, LoginFailureReasons.SecondFactorMissing),
        CredentialResult.SecondFactorWrong(var userId) => (userId, LoginFailureReasons.SecondFactorWrong),
        CredentialResult.Valid(var user) => (user.Id, LoginFailureReasons.EmailNotVerified),
        _ => null,
    };

    public static async Task<Ok<SessionState>> GetSession(HttpContext http, SessionResolver resolver) =>
        TypedResults.Ok<SessionState>(await resolver.PeekAsync(http) is { } session
            ? new AuthenticatedSessionState(UserResponse.From(session),
                session.ExpiresAt, session.AbsoluteExpiresAt, session.RememberMe)
            : new AnonymousSessionState());

    public static async Task<Results<NoContent, ProblemHttpResult>> Logout(HttpContext http, SessionIssuer issuer) =>
        await issuer.LogOutAsync(http)
            ? TypedResults.NoContent()
            : Problems.DatabaseUnavailable(http, "You are logged out in this browser; the server will end the session as soon as its database answers again.");

    public static async Task<Results<Created<LoginResponse>, ProblemHttpResult>> Register(
        RegisterRequest request, HttpContext http, Registration registration, SessionIssuer issuer, DeviceCookie devices)
    {
        var user = new NewUser(Text.Nfc(request.Email), Text.Nfc(request.Name), Roles.User, request.Password);
        var result = await registration.RegisterAsync(http, user);
        if (result is not AccountCreationResult.Created(var id))
        {
            return result is AccountCreationResult.EmailTaken ? Problems.EmailTaken() : Problems.PasswordCheckBusy(http);
        }
        // Only a registration that logged the account in replaces the session the request carried.
        if (!registration.RequiresVerifiedEmail)
        {
            await issuer.EndCarriedSessionAsync(http);
            await devices.TrustAsync(http, id);
        }
        return TypedResults.Created("/profile", new LoginResponse(new UserResponse(id, user.Email!, user.Name!, Roles.User, EmailVerified: false, TwoFactorEnabled: false)));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(
        ChangePasswordRequest request, CurrentSession current, HttpContext http,
        Credentials credentials, PasswordHasher hasher, PasswordWorkLimiter limiter, PasswordChange change)
    {
        var session = current.Session;
        switch (await credentials.CheckAsync(session.UserId, request.CurrentPassword!, http))
        {
            case CredentialResult.Busy:
                return Problems.PasswordCheckBusy(http);
            case CredentialResult.Locked(var retryAfter, _):
                // Never 401 here: an SPA reads 401 as "logged out", and the session is fine.
                return Problems.TooManyAttempts(http, retryAfter);
            case CredentialResult.Invalid:
                return Problems.CurrentPasswordWrong();
        }

        var (ran, newHash) = await limiter.TryRunAsync(() => hasher.Hash(request.NewPassword!), http.RequestAborted);
        if (!ran)
        {
            return Problems.PasswordCheckBusy(http);
        }
        await change.ApplyAsync(http, session, newHash);
        return TypedResults.NoContent();
    }
}
