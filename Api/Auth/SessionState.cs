using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Api.Users;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Api.Auth;

/// <summary>
/// What GET /session answers: one of two shapes told apart by <c>authenticated</c>, so a typed client narrows on it.
/// Serialised as the shape itself, without a type discriminator.
/// </summary>
[JsonDerivedType(typeof(AnonymousSessionState))]
[JsonDerivedType(typeof(AuthenticatedSessionState))]
public abstract record SessionState([property: JsonPropertyOrder(-1)] bool Authenticated);

public sealed record AnonymousSessionState() : SessionState(Authenticated: false);

public sealed record AuthenticatedSessionState(UserResponse User, DateTime ExpiresAt, DateTime AbsoluteExpiresAt, bool RememberMe)
    : SessionState(Authenticated: true);

/// <summary>Pins <c>authenticated</c> to its one value in each shape, so a typed client narrows the union on it.</summary>
internal sealed class SessionStateSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        bool? authenticated = context.Type == typeof(AnonymousSessionState) ? false
            : context.Type == typeof(AuthenticatedSessionState) ? true
            : null;
        if (authenticated is not { } value || schema is not OpenApiSchema target)
        {
            return;
        }
        target.Properties ??= new Dictionary<string, IOpenApiSchema>();
        target.Properties["authenticated"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Boolean,
            Enum = [JsonValue.Create(value)],
        };
        (target.Required ??= new HashSet<string>()).Add("authenticated");
    }
}
