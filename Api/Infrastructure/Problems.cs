using System.Globalization;

namespace Api.Infrastructure;

/// <summary>
/// Every problem+json the API writes itself, in one place: status, title, detail, a stable machine-readable
/// <c>code</c> (clients branch on it, never on titles), and the <c>Retry-After</c> header where one belongs.
/// Endpoints return these; middleware and exception handlers execute them.
/// </summary>
public static class Problems
{
    private const string DatabaseRetryAfterSeconds = "5";
    private const string BusyRetryAfterSeconds = "1";

    /// <summary>Unknown email, wrong password and disabled account alike, so the answer never tells which accounts exist.</summary>
    public static ProblemHttpResult InvalidCredentials() =>
        Problem(StatusCodes.Status401Unauthorized, ProblemCodes.InvalidCredentials, "Invalid credentials", "The email or password is wrong.");

    public static ProblemHttpResult SessionRequired() =>
        Problem(StatusCodes.Status401Unauthorized, ProblemCodes.SessionRequired, "Authentication required",
            "There is no session: log in with POST /login.");

    /// <summary>The request carried a session cookie, but its session has expired or was ended (logout, revocation, a password change).</summary>
    public static ProblemHttpResult SessionExpired() =>
        Problem(StatusCodes.Status401Unauthorized, ProblemCodes.SessionExpired, "Session expired",
            "Your session has expired or was ended: log in again with POST /login.");

    /// <summary>The password was right, but the account's address is not verified yet and the settings require it.</summary>
    public static ProblemHttpResult EmailNotVerified() =>
        Problem(StatusCodes.Status403Forbidden, ProblemCodes.EmailNotVerified, "Email not verified",
            "Confirm your email address with the link we mailed you, then log in. POST /email/verify/resend sends a new link.");

    /// <summary>The password was right and the account has a second factor: the client asks for a code and logs in again with it.</summary>
    public static ProblemHttpResult TwoFactorRequired() =>
        Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TwoFactorRequired, "Second factor required",
            "Enter the code from your authenticator app (twoFactorCode) or one of your recovery codes (twoFactorRecoveryCode), and log in again.");

    /// <summary>At login: the code offered is wrong, expired or was already used. No session, and the attempt counts.</summary>
    public static ProblemHttpResult TwoFactorInvalid() =>
        Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TwoFactorInvalid, "Invalid second factor",
            "The code is wrong, expired or was already used. Wait for the next code from your authenticator app, or use a recovery code.");

    /// <summary>On a signed-in user's own settings: the code is wrong, as a field error (never 401, which an SPA reads as "logged out").</summary>
    public static ValidationProblem TwoFactorCodeWrong() =>
        Field("code", "The code is wrong, expired or was already used.", ProblemCodes.TwoFactorInvalid);

    public static ProblemHttpResult TwoFactorAlreadyEnabled() =>
        Problem(StatusCodes.Status409Conflict, ProblemCodes.TwoFactorAlreadyEnabled, "Two-factor authentication is already on",
            "Turn it off first (POST /profile/2fa/disable) to set up another authenticator.");

    public static ProblemHttpResult TwoFactorNotEnabled() =>
        Problem(StatusCodes.Status409Conflict, ProblemCodes.TwoFactorNotEnabled, "Two-factor authentication is off",
            "There is no second factor to change: set one up with POST /profile/2fa/setup.");

    public static ProblemHttpResult TwoFactorSetupRequired() =>
        Problem(StatusCodes.Status409Conflict, ProblemCodes.TwoFactorSetupRequired, "No authenticator is being set up",
            "Start with POST /profile/2fa/setup, add the key to your authenticator app, then enable it with a code.");

    public static ValidationProblem CurrentPasswordWrong() =>
        Field("currentPassword", "The current password is wrong.", ProblemCodes.CurrentPasswordWrong);

    /// <summary>A mailed token that is unknown, used, superseded or expired: one answer for all, as a field error.</summary>
    public static ValidationProblem TokenInvalid() =>
        Field("token", "This link is invalid or has expired. Ask for a new one.", ProblemCodes.TokenInvalid);

    public static ProblemHttpResult ForbiddenRole() =>
        Problem(StatusCodes.Status403Forbidden, ProblemCodes.ForbiddenRole, "Forbidden", "This endpoint is for administrators.");

    /// <summary>An admin demoted, disabled or logged out while their request waited for the admin lock.</summary>
    public static ProblemHttpResult NoLongerAdmin() =>
        Problem(StatusCodes.Status403Forbidden, ProblemCodes.ForbiddenRole, "Forbidden", "You are no longer an active administrator.");

    public static ProblemHttpResult CrossOriginRefused() =>
        Problem(StatusCodes.Status403Forbidden, ProblemCodes.CrossOriginRefused, "Cross-origin request refused",
            "This request came from a page on another origin that is not allowed to change anything here.");

    /// <summary>A locked account or browser, or a client IP over its limit: one 429, so clients handle all alike.</summary>
    public static ProblemHttpResult TooManyAttempts(HttpContext http, TimeSpan? retryAfter, string code = ProblemCodes.AccountLocked)
    {
        if (retryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        return Problem(StatusCodes.Status429TooManyRequests, code, "Too many attempts",
            "Too many attempts. Wait for the time in Retry-After, then try again.");
    }

    /// <summary>No bcrypt slot freed up in time: the client should retry shortly.</summary>
    public static ProblemHttpResult PasswordCheckBusy(HttpContext http)
    {
        http.Response.Headers.RetryAfter = BusyRetryAfterSeconds;
        return Problem(StatusCodes.Status503ServiceUnavailable, ProblemCodes.PasswordCheckBusy, "Too many logins at once",
            "The server is busy checking other passwords. Try again in a second.");
    }

    /// <summary>The database does not answer: nothing was decided, and the session, if any, is kept.</summary>
    public static ProblemHttpResult DatabaseUnavailable(HttpContext http, string detail = "The database is not answering. Try again in a few seconds; your session is kept.")
    {
        http.Response.Headers.RetryAfter = DatabaseRetryAfterSeconds;
        return Problem(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DatabaseUnavailable, "Service temporarily unavailable", detail);
    }

    public static ProblemHttpResult EmailTaken() =>
        Problem(StatusCodes.Status409Conflict, ProblemCodes.EmailTaken, "Email already registered", "An account with this email already exists.");

    public static ProblemHttpResult WouldLockOutSelf() =>
        Problem(StatusCodes.Status409Conflict, ProblemCodes.AdminSelfLockout, "Cannot lock yourself out",
            "An admin cannot demote or disable themselves; ask another admin.");

    public static ProblemHttpResult UserNotFound() =>
        Problem(StatusCodes.Status404NotFound, ProblemCodes.UserNotFound, "User not found", "There is no user with this id.");

    public static ProblemHttpResult SessionNotFound() =>
        Problem(StatusCodes.Status404NotFound, ProblemCodes.SessionNotFound, "Session not found", "You have no session with this id.");

    public static ProblemHttpResult BodyTooLarge(long maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, "Payload Too Large", $"The request body is larger than {maxBytes} bytes.");

    /// <summary>A request that could not be read at all: the wrong content type, too large, or not JSON.</summary>
    public static ProblemHttpResult RequestUnreadable(int status, string detail) =>
        Problem(status, status switch
        {
            StatusCodes.Status415UnsupportedMediaType => ProblemCodes.UnsupportedMediaType,
            StatusCodes.Status413PayloadTooLarge => ProblemCodes.BodyTooLarge,
            _ => ProblemCodes.MalformedRequest,
        }, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), detail);

    /// <summary>A 400 that names the fields at fault, as the client spelt them.</summary>
    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string code = ProblemCodes.ValidationFailed) =>
        TypedResults.ValidationProblem(errors,
            detail: errors.Count == 1 && errors.First().Value is [var only] ? only : "Some fields are not valid: see errors.",
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ValidationProblem Field(string field, string message, string code = ProblemCodes.ValidationFailed) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, code);

    private static ProblemHttpResult Problem(int status, string code, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });
}
