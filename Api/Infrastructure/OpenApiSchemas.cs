using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Api.Infrastructure;

/// <summary>
/// A request field is required exactly when its validator says so, and as long as the validator allows: the schema is
/// read from the FluentValidation rules the endpoint runs, so the document cannot drift from validation. Request types
/// stay nullable in C#, because a client can leave any field out and the validator is what answers that.
/// (MicroElements.Swashbuckle.FluentValidation does this in general; it is not served here, and these three rules are
/// all our validators need.)
/// </summary>
internal sealed class ValidatorSchemaFilter(IServiceProvider services) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema target || target.Properties is not { Count: > 0 } properties
            || services.GetService(typeof(IValidator<>).MakeGenericType(context.Type)) is not IValidator validator)
        {
            return;
        }
        var descriptor = validator.CreateDescriptor();
        foreach (var (name, property) in properties)
        {
            // Rules are named as clients spell fields (Validation.cs sets the resolver), which is the schema's name too.
            var components = descriptor.GetRulesForMember(name)
                .SelectMany(rule => rule.Components)
                .Where(component => !component.HasCondition && !component.HasAsyncCondition)
                .Select(component => component.Validator)
                .ToList();
            if (property is not OpenApiSchema field)
            {
                continue;
            }
            if (components.Any(v => v is INotNullValidator or INotEmptyValidator))
            {
                (target.Required ??= new HashSet<string>()).Add(name);
                field.Type &= ~JsonSchemaType.Null;
                if (field.Type == JsonSchemaType.String && components.Any(v => v is INotEmptyValidator))
                {
                    field.MinLength = Math.Max(field.MinLength ?? 0, 1);
                }
            }
            foreach (var length in components.OfType<ILengthValidator>())
            {
                field.MinLength = Math.Max(field.MinLength ?? 0, length.Min);
                if (length.Max > 0)
                {
                    field.MaxLength = Math.Min(field.MaxLength ?? int.MaxValue, length.Max);
                }
            }
        }
    }
}

/// <summary>Closed sets of strings (roles) become enums, so a generated client has a union type, not <c>string</c>.</summary>
internal sealed class AllowedValuesSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is OpenApiSchema target && context.MemberInfo?.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
        {
            target.Enum = allowed.Values.Select(value => (JsonNode)JsonValue.Create(value?.ToString())!).ToList();
        }
    }
}

/// <summary>
/// Shapes what the schema generator cannot know: every property of a response is always written (nulls included), so all
/// are required; responses stay open to new properties (later versions add some), while request bodies, whose endpoints
/// refuse unknown fields, are closed. The problem schemas get the <c>code</c> enum.
/// </summary>
internal sealed class SchemaShapeDocumentFilter : IDocumentFilter
{
    private static readonly string[] ProblemSchemas = ["ProblemDetails", "HttpValidationProblemDetails"];

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var schemas = swaggerDoc.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>();
        var operations = swaggerDoc.Paths.Values.SelectMany(path => path.Operations?.Values.AsEnumerable() ?? []).ToList();
        var requests = Reachable(schemas, operations.SelectMany(o => o.RequestBody?.Content?.Values ?? []).Select(m => m.Schema));
        var responses = Reachable(schemas, operations.SelectMany(o => o.Responses?.Values.AsEnumerable() ?? [])
            .SelectMany(r => r.Content?.Values ?? []).Select(m => m.Schema));

        foreach (var name in responses.Except(ProblemSchemas))
        {
            if (schemas[name] is OpenApiSchema response)
            {
                response.AdditionalPropertiesAllowed = true;
                if (response.Properties is { Count: > 0 } properties)
                {
                    (response.Required ??= new HashSet<string>()).UnionWith(properties.Keys);
                }
            }
        }
        foreach (var name in requests.Except(responses))
        {
            if (schemas[name] is OpenApiSchema request)
            {
                request.AdditionalPropertiesAllowed = false;
            }
        }
        foreach (var name in ProblemSchemas.Where(schemas.ContainsKey))
        {
            ShapeProblem((OpenApiSchema)schemas[name]);
        }
    }

    /// <summary>What every problem the API answers has: the RFC 9457 members it always fills, and its code.</summary>
    private static void ShapeProblem(OpenApiSchema problem)
    {
        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        problem.Properties["code"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "Stable and machine-readable: branch on this, never on the title. The README explains each.",
            Enum = ProblemCodes.All.Select(code => (JsonNode)JsonValue.Create(code)).ToList(),
        };
        // The members a problem carries are never null; the ones it may leave out are optional instead.
        foreach (var property in problem.Properties.Values.OfType<OpenApiSchema>())
        {
            property.Type &= ~JsonSchemaType.Null;
        }
        problem.Required = new HashSet<string> { "type", "title", "status", "code" };
    }

    private static HashSet<string> Reachable(IDictionary<string, IOpenApiSchema> schemas, IEnumerable<IOpenApiSchema?> roots)
    {
        var found = new HashSet<string>();
        var pending = new Stack<IOpenApiSchema>(roots.OfType<IOpenApiSchema>());
        while (pending.TryPop(out var schema))
        {
            if (schema is OpenApiSchemaReference reference)
            {
                if (reference.Reference.Id is { } id && found.Add(id) && schemas.TryGetValue(id, out var target))
                {
                    pending.Push(target);
                }
                continue;
            }
            foreach (var child in Children(schema))
            {
                pending.Push(child);
            }
        }
        return found;
    }

    private static IEnumerable<IOpenApiSchema> Children(IOpenApiSchema schema) =>
        (schema.Properties?.Values ?? [])
            .Concat(schema.OneOf ?? []).Concat(schema.AllOf ?? []).Concat(schema.AnyOf ?? [])
            .Concat(new[] { schema.Items, schema.AdditionalProperties }.OfType<IOpenApiSchema>());
}
