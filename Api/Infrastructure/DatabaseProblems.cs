namespace Api.Infrastructure;

/// <summary>The 503 every request gets while the database does not answer; built here, and only here.</summary>
public static class DatabaseProblems
{
    public const string RetryAfterSeconds = "5";
    public const string Title = "Service temporarily unavailable";
    public const string Detail = "The database is not answering. Try again in a few seconds; your session is kept.";

    public static ProblemHttpResult Unavailable(HttpContext http, string detail = Detail)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds;
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: Title, detail: detail);
    }
}
