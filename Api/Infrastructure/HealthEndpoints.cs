using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Api.Infrastructure;

public sealed record HealthResponse(string Status);

/// <summary>
/// Probes for load balancers and orchestrators, on ASP.NET Core's health checks, outside authentication and rate limits.
/// Liveness runs no check at all (a failing database must not get a healthy process restarted); readiness runs the
/// checks tagged <see cref="ReadyTag"/>: one <c>SELECT 1</c> on the shared data source (AspNetCore.HealthChecks.NpgSql).
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddNpgSql(sp => sp.GetRequiredService<NpgsqlDataSource>(), name: "postgresql", tags: [ReadyTag]);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Writer("live") })
            .WithName("Live");
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = Writer("ready") })
            .WithName("Ready");
        return routes;
    }

    // Healthy: the same small JSON body as ever. Unhealthy: the 503 problem every other request gets while the database
    // is down, with Retry-After.
    private static Func<HttpContext, HealthReport, Task> Writer(string status) => async (http, report) =>
    {
        if (report.Status == HealthStatus.Unhealthy)
        {
            await Problems.DatabaseUnavailable(http, "The database did not answer. Try again shortly.").ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, new HealthResponse(status), JsonSerializerOptions.Web);
    };
}
