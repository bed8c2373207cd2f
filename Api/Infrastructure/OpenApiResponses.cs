using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Api.Infrastructure;

/// <summary>Marks endpoints guarded by RequireAuth or RequireAdmin, for the OpenAPI document.</summary>
public sealed record RequiresSessionMetadata;

/// <summary>Marks endpoints that may set or expire the session cookie on any answer, for the OpenAPI document.</summary>
public sealed record SetsCookieMetadata;

/// <summary>
/// Documents the answers the middleware gives on every operation it guards, derived from the same metadata that switches
/// that middleware on, so no endpoint can forget one: 400 (a NUL in the query string), 403 (a cross-origin write), 413 and
/// 415 (bodies), 429 (rate limits), 503 (the database), and the Retry-After, Location and Set-Cookie headers.
/// Endpoints declare only what their own handlers decide (404, 409).
/// </summary>
internal sealed class ProblemResponsesOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var method = context.ApiDescription.HttpMethod ?? "GET";
        var hasBody = metadata.OfType<IAcceptsMetadata>().Any();
        operation.Responses ??= [];

        Problem(operation, context, StatusCodes.Status400BadRequest, validation: hasBody);
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            Problem(operation, context, StatusCodes.Status403Forbidden);
        }
        if (hasBody)
        {
            Problem(operation, context, StatusCodes.Status413PayloadTooLarge);
            Problem(operation, context, StatusCodes.Status415UnsupportedMediaType);
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Problem(operation, context, StatusCodes.Status429TooManyRequests);
        }
        Problem(operation, context, StatusCodes.Status503ServiceUnavailable);

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse target)
            {
                continue;
            }
            if (status is "429" or "503")
            {
                Header(target, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
            }
            if (status == "201")
            {
                Header(target, "Location", "Where the created resource is read.", JsonSchemaType.String);
            }
            if (metadata.OfType<RequiresSessionMetadata>().Any() || metadata.OfType<SetsCookieMetadata>().Any())
            {
                Header(target, "Set-Cookie",
                    "Sets, renews or expires the session cookie (HttpOnly, Secure, SameSite=Strict). Browsers apply it themselves; scripts cannot read it.",
                    JsonSchemaType.String);
            }
        }
    }

    private static void Problem(OpenApiOperation operation, OperationFilterContext context, int status, bool validation = false)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }
        var type = validation ? typeof(HttpValidationProblemDetails) : typeof(Microsoft.AspNetCore.Mvc.ProblemDetails);
        operation.Responses[key] = new OpenApiResponse
        {
            Description = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                ["application/problem+json"] = new OpenApiMediaType
                {
                    Schema = context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository),
                },
            },
        };
    }

    private static void Header(OpenApiResponse response, string name, string description, JsonSchemaType type)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers.TryAdd(name, new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } });
    }
}
