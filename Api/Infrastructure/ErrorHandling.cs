using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Api.Infrastructure;

public static class ErrorHandling
{
    public static WebApplicationBuilder AddErrorHandling(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
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
/// what to fix, instead of the bare status the framework would write.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Detail = DetailFor(badRequest),
            },
        });
    }

    private static string DetailFor(BadHttpRequestException exception) => exception switch
    {
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } => "Send the request body as application/json.",
        { StatusCode: StatusCodes.Status413PayloadTooLarge } => "The request body is too large.",
        { InnerException: JsonException } => "The request body is not valid JSON, has a field of the wrong type, or has a field this endpoint does not know.",
        { Message: var message } when message.Contains("from body", StringComparison.Ordinal) => "The request body is missing.",
        _ => exception.Message,
    };
}
