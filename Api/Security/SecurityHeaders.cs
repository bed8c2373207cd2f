using Api.Infrastructure;

namespace Api.Security;

/// <summary>
/// Headers every response carries. Set when the response starts, so they survive the exception handler clearing
/// the response for an error.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    // The API serves JSON: nothing in it may load, run or be framed. Swagger UI needs its own scripts and styles.
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";
    private const string SwaggerPolicy = "frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/swagger") ? SwaggerPolicy : ApiPolicy;
            VaryHeader.Add(headers);
            // Responses that set a cookie, answer a request that carried one, or come from an endpoint that reads the
            // session may hold personal data, or differ by cookie (GET /session): no cache, shared or private, may keep them.
            var metadata = context.GetEndpoint()?.Metadata;
            if (headers.SetCookie.Count > 0 || context.Request.Headers.Cookie.Count > 0
                || metadata?.GetMetadata<RequiresSessionMetadata>() is not null || metadata?.GetMetadata<SetsCookieMetadata>() is not null)
            {
                headers.CacheControl = "no-store";
            }
            return Task.CompletedTask;
        });
        return next(context);
    }
}

/// <summary>Refuses bodies over RequestLimits:MaxBodyBytes with 413 before anything reads them.</summary>
internal sealed class RequestBodyLimit(RequestDelegate next, Microsoft.Extensions.Options.IOptions<RequestLimitOptions> options)
{
    private readonly long _maxBytes = options.Value.MaxBodyBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _maxBytes)
        {
            await Problems.BodyTooLarge(_maxBytes).ExecuteAsync(context);
            return;
        }
        // Bodies without a Content-Length (chunked) are cut off by the server at the same size while being read.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _maxBytes;
        }
        await next(context);
    }
}
