using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Api.Infrastructure;

public static class OpenApiConfiguration
{
    public const string CookieSchemeName = "sessionCookie";

    public static WebApplicationBuilder AddOpenApiDocument(this WebApplicationBuilder builder)
    {
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Session Auth API",
                Version = "v1",
                Description = "Cookie + server-side session authentication for single-page apps. "
                    + "POST /login sets an HttpOnly session cookie that the browser sends with every later request; "
                    + "in Swagger UI, log in first, then call the protected endpoints.",
            });
            options.OperationFilter<SessionSecurityOperationFilter>();
            options.DocumentFilter<TagDescriptionsDocumentFilter>();
            options.DocumentFilter<HealthDocumentFilter>();
        });
        return builder;
    }

    public static WebApplication UseOpenApiDocument(this WebApplication app)
    {
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue<bool>("Swagger:Enabled"))
        {
            // Never the request's Host header: a document that reflects it would send Swagger UI's and generated clients'
            // requests wherever a forged Host said. "/" means the server the document came from.
            var serverUrl = app.Configuration["OpenApi:ServerUrl"] is { Length: > 0 } configured ? configured : "/";
            app.UseSwagger(options => options.PreSerializeFilters.Add((document, _) =>
                document.Servers = [new OpenApiServer { Url = serverUrl }]));
            app.UseSwaggerUI(options => options.EnablePersistAuthorization());
        }
        return app;
    }
}

/// <summary>Marks endpoints guarded by RequireAuth or RequireAdmin, for the OpenAPI document.</summary>
public sealed record RequiresSessionMetadata;

internal sealed class SessionSecurityOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RequiresSessionMetadata>().Any())
        {
            // Stated explicitly, so a reader (and a linter) can tell "no session needed" from "forgot to say".
            operation.Security = [];
            return;
        }
        operation.Security =
        [
            new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(OpenApiConfiguration.CookieSchemeName, context.Document)] = [],
            },
        ];
    }
}

internal sealed class TagDescriptionsDocumentFilter : IDocumentFilter
{
    private static readonly Dictionary<string, string> Descriptions = new()
    {
        ["Auth"] = "Log in, log out and register. These set and clear the session cookie.",
        ["Health"] = "Probes for load balancers: liveness without I/O, readiness with one database round trip.",
        ["Dashboard"] = "The dashboard and its per-session visit counter (server-side session data).",
        ["Profile"] = "The logged-in user's profile and password.",
        ["Sessions"] = "The logged-in user's sessions (devices): list and revoke.",
        ["Admin"] = "User administration, for admins only.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        swaggerDoc.Tags = new HashSet<OpenApiTag>(Descriptions.Select(tag => new OpenApiTag { Name = tag.Key, Description = tag.Value }));
    }
}

/// <summary>
/// The health probes are framework health-check endpoints, which the API explorer does not see; they are described here
/// so the document still lists every path the API serves.
/// </summary>
internal sealed class HealthDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var schema = context.SchemaGenerator.GenerateSchema(typeof(HealthResponse), context.SchemaRepository);
        var problem = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository);
        swaggerDoc.Paths.Add("/health/live", Probe(swaggerDoc, schema, null, "Live",
            "The process is up. No I/O: a failing database must not get a healthy process restarted."));
        swaggerDoc.Paths.Add("/health/ready", Probe(swaggerDoc, schema, problem, "Ready",
            "The process can serve: one trivial database round trip. 503 problem with Retry-After when the database does not answer."));
    }

    private static OpenApiPathItem Probe(OpenApiDocument document, IOpenApiSchema schema, IOpenApiSchema? problem, string name, string summary)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = "OK",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } },
            },
        };
        if (problem is not null)
        {
            responses["503"] = new OpenApiResponse
            {
                Description = "Service Unavailable",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = problem } },
            };
        }
        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = name,
                    Summary = summary,
                    Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                    Security = [],
                    Responses = responses,
                },
            },
        };
    }
}
