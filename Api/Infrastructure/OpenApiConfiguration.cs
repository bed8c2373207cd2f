using System.Reflection;
using System.Text.Json.Serialization;
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
                Description = """
                    Cookie + server-side session authentication for single-page apps.

                    **How the cookie works.** `POST /login` answers with a `Set-Cookie` for an HttpOnly, Secure, SameSite=Strict
                    session cookie; the browser stores it and sends it with every later request to this API by itself. Scripts
                    cannot read it, and neither can Swagger UI: the lock icons and the **Authorize** button do nothing for a
                    cookie. To try a protected endpoint here, run `POST /login` ("Try it out") with a demo account first, then
                    call `GET /profile`; `POST /logout` ends the session. Browsers keep a Secure cookie over plain HTTP only on
                    `localhost` and `127.0.0.1`, so open this page on one of those or over HTTPS.

                    **Errors** are RFC 9457 `application/problem+json` with a stable `code` (see the `ProblemDetails` schema):
                    branch on the code, never on the title.

                    **From an SPA**, call with `fetch(url, { credentials: 'include' })`, and start with `GET /session`, which
                    answers 200 whether or not the user is logged in.
                    """,
            });
            // Exact types for generated clients: non-nullable C# references are non-nullable in the schema, the two
            // shapes of GET /session are a oneOf, and the filters below add what the generator cannot see.
            options.SupportNonNullableReferenceTypes();
            options.UseOneOfForPolymorphism();
            // Only the unions a type declares for serialisation; not every subclass (HttpValidationProblemDetails would make
            // every problem a oneOf).
            options.SelectSubTypesUsing(type => type.GetCustomAttributes<JsonDerivedTypeAttribute>(inherit: false).Select(derived => derived.DerivedType));
            options.SchemaFilter<ValidatorSchemaFilter>();
            options.SchemaFilter<AllowedValuesSchemaFilter>();
            options.DocumentFilter<SchemaShapeDocumentFilter>();
            options.OperationFilter<ProblemResponsesOperationFilter>();
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
        ["Account recovery"] = "Reset a forgotten password and verify an email address, with links the API mails.",
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
        swaggerDoc.Paths.Add("/health/live", Probe(swaggerDoc, schema, problem, database: false, "Live",
            "The process is up. No I/O: a failing database must not get a healthy process restarted."));
        swaggerDoc.Paths.Add("/health/ready", Probe(swaggerDoc, schema, problem, database: true, "Ready",
            "The process can serve: one trivial database round trip. 503 problem with Retry-After when the database does not answer."));
    }

    private static OpenApiPathItem Probe(OpenApiDocument document, IOpenApiSchema schema, IOpenApiSchema problem, bool database, string name, string summary)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = "OK",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } },
            },
            // The query-string guard answers every path.
            ["400"] = new OpenApiResponse
            {
                Description = "Bad Request",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = problem } },
            },
        };
        if (database)
        {
            responses["503"] = new OpenApiResponse
            {
                Description = "Service Unavailable",
                Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before trying again.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                },
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
