using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace Api.Infrastructure;

public static class ErrorHandling
{
    public static WebApplicationBuilder AddErrorHandling(this WebApplicationBuilder builder)
    {
        // Problems the framework raises itself (no route, wrong method, an unhandled exception) get a code too, so an SPA
        // can branch on every error the same way; problems the API built carry theirs already.
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("code", ProblemCodes.ForStatus(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode)));
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures become exceptions in every environment, so one handler turns them all into problem+json with a reason.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    public static WebApplication UseErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}

/// <summary>
/// Answers malformed JSON, a wrong content type and other request-binding failures with a 4xx problem whose detail says
/// what to fix, in the API's own words: the framework's messages name C# types ("Nullable&lt;int&gt; Page") and echo input.
/// A failure that concerns one field (a query parameter that is not a number, an unknown, duplicated, mistyped or NUL-holding
/// JSON field) is a validation problem whose <c>errors</c> name that field as the client spelt it.
/// </summary>
internal sealed partial class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        IResult problem = FieldErrorFor(badRequest) is var (field, message, code)
            ? Problems.Field(field, message, code)
            : Problems.RequestUnreadable(badRequest.StatusCode, DetailFor(badRequest));
        await problem.ExecuteAsync(httpContext);
        return true;
    }

    private static (string Field, string Message, string Code)? FieldErrorFor(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            if (StrictJson.FieldOf(json) is not { } field || json.InnerException?.GetType().Name == "JsonReaderException")
            {
                return null;
            }
            return json switch
            {
                NulCharacterException => (field, $"'{field}' must not contain NUL characters.", ProblemCodes.ValidationFailed),
                { Message: var m } when m.StartsWith("Duplicate property", StringComparison.Ordinal) => (field, $"'{field}' is given more than once.", ProblemCodes.DuplicateField),
                { Message: var m } when m.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) => (field, $"'{field}' is not a field of this request.", ProblemCodes.UnknownField),
                _ => (field, $"'{field}' has the wrong type, or is not valid text.", ProblemCodes.ValidationFailed),
            };
        }
        if (BindFailure().Match(exception.Message) is { Success: true } bind)
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(bind.Groups["name"].Value);
            return (name, $"'{name}' must be {Describe(bind.Groups["type"].Value)}.", ProblemCodes.ValidationFailed);
        }
        if (MissingParameter().Match(exception.Message) is { Success: true } missing && missing.Groups["source"].Value != "body")
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(missing.Groups["name"].Value);
            return (name, $"'{name}' is required.", ProblemCodes.ValidationFailed);
        }
        return null;
    }

    private static string DetailFor(BadHttpRequestException exception) => exception switch
    {
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } => "Send the request body as application/json.",
        { StatusCode: StatusCodes.Status413PayloadTooLarge } => "The request body is too large.",
        { InnerException: JsonException } => "The request body is not valid JSON.",
        { Message: var message } when message.Contains("body", StringComparison.Ordinal) => "The request body is missing or incomplete.",
        _ => "The request could not be read.",
    };

    private static string Describe(string type) => type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>') switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" => "a whole number",
        "Guid" => "a UUID",
        "bool" or "Boolean" => "true or false",
        "DateTime" or "DateTimeOffset" => "a date and time (ISO 8601)",
        _ => "a valid value",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^"]+) (?<name>[A-Za-z0-9_]+)" from """)]
    private static partial Regex BindFailure();

    [GeneratedRegex("""^Required parameter "(?<type>[^"]+) (?<name>[A-Za-z0-9_]+)" was not provided from (?<source>[a-z ]+)""")]
    private static partial Regex MissingParameter();
}
