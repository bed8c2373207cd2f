using Dapper;
using Npgsql;

namespace Api.Infrastructure;

public sealed record HealthResponse(string Status);

/// <summary>Probes for load balancers and orchestrators; outside authentication and rate limits.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/health").WithTags("Health");

        group.MapGet("/live", Live)
            .WithName("Live")
            .WithSummary("The process is up. No I/O: a failing database must not get a healthy process restarted.");

        group.MapGet("/ready", ReadyAsync)
            .WithName("Ready")
            .WithSummary("The process can serve: one trivial database round trip. 503 when the database does not answer.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return routes;
    }

    public static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse("live"));

    public static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> ReadyAsync(NpgsqlDataSource dataSource, HttpContext http)
    {
        try
        {
            await dataSource.ReadAsync(connection => connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: http.RequestAborted)), http.RequestAborted);
            return TypedResults.Ok(new HealthResponse("ready"));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Database unavailable",
                detail: "The database did not answer. Try again shortly.");
        }
    }
}
