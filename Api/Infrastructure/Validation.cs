using System.Text.Json;
using FluentValidation;

namespace Api.Infrastructure;

public static class Validation
{
    public static WebApplicationBuilder AddValidation(this WebApplicationBuilder builder)
    {
        // Error keys and messages name fields as clients send them (camelCase JSON), not as C# properties.
        ValidatorOptions.Global.PropertyNameResolver = (_, member, _) =>
            member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);

        builder.Services.ConfigureHttpJsonOptions(options => StrictJson.Apply(options.SerializerOptions));

        // Validators hold no state: one instance each serves every request.
        builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
        return builder;
    }

    /// <summary>Validates the endpoint's <typeparamref name="T"/> argument and answers 400 with per-field errors.</summary>
    public static RouteHandlerBuilder WithValidation<T>(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();
}

internal sealed class ValidationFilter<T>(IValidator<T> validator) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var argument = context.Arguments.OfType<T>().FirstOrDefault();
        if (argument is not null)
        {
            var result = await validator.ValidateAsync(argument, context.HttpContext.RequestAborted);
            if (!result.IsValid)
            {
                return Problems.Validation(result.ToDictionary());
            }
        }
        return await next(context);
    }
}
