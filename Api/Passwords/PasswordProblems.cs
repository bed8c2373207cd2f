namespace Api.Passwords;

public static class PasswordProblems
{
    /// <summary>No bcrypt slot freed up in time: the client should retry shortly.</summary>
    public static ProblemHttpResult Busy(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Too many logins at once",
            detail: "The server is busy checking other passwords. Try again in a second.");
    }
}
