using System.Globalization;

namespace Api.Auth;

public static class AuthProblems
{
    /// <summary>A locked account or browser: the same 429 the per-IP rate limiter gives, so clients handle both alike.</summary>
    public static ProblemHttpResult TooManyAttempts(HttpContext http, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many attempts",
            detail: "Too many login attempts. Wait for the time in Retry-After, then try again.");
    }

    public static ProblemHttpResult InvalidCredentials() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Invalid credentials",
        detail: "The email or password is wrong.");
}
