using Api.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Api.Security;

/// <summary>
/// Refuses cross-origin unsafe requests the way Go's http.CrossOriginProtection does: trust Sec-Fetch-Site when the
/// browser sends it, else compare Origin with the request's own host; allowed SPA origins always pass; requests with
/// neither header (curl, .http files, server-to-server) are not from a browser and pass. SameSite=Strict already keeps
/// the cookie off cross-site requests; this also stops same-site siblings and login CSRF, which needs no cookie.
/// </summary>
internal sealed class CrossOriginProtection(RequestDelegate next, IOptions<CorsOriginOptions> cors)
{
    private readonly HashSet<string> _allowedOrigins = new(cors.Value.AllowedOrigins, StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || HttpMethods.IsOptions(context.Request.Method) || IsAllowed(context.Request))
        {
            await next(context);
            return;
        }

        await Problems.CrossOriginRefused().ExecuteAsync(context);
    }

    private bool IsAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && _allowedOrigins.Contains(origin))
        {
            return true;
        }
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }
        if (origin.Length == 0)
        {
            return true;
        }
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}

internal static class VaryHeader
{
    public const string OriginAndFetchSite = "Origin, Sec-Fetch-Site";

    public static void Add(IHeaderDictionary headers) => headers.Append(HeaderNames.Vary, OriginAndFetchSite);
}
