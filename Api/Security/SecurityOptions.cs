using System.ComponentModel.DataAnnotations;
using System.Net;
using Api.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace Api.Security;

public sealed class CorsOriginOptions : IValidatableObject
{
    public const string SectionName = "Cors";

    /// <summary>
    /// Request headers every allowed origin may send: JSON bodies need Content-Type, and browser telemetry (OpenTelemetry's
    /// fetch instrumentation and its kin) adds W3C trace context to every call, so a preflight that refused it would fail
    /// every request of an instrumented SPA. Settings add to these rather than replace them: a list that forgot
    /// Content-Type would break every login.
    /// </summary>
    public static readonly string[] AlwaysAllowedHeaders = [HeaderNames.ContentType, HeaderNames.TraceParent, HeaderNames.TraceState, HeaderNames.Baggage];

    /// <summary>Response headers an SPA may read: where a created resource lives, and how long to wait before trying again.</summary>
    public static readonly string[] ExposedHeaders = [HeaderNames.Location, HeaderNames.RetryAfter];

    /// <summary>Exact origins (scheme://host[:port]) of SPAs allowed to call the API with credentials.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Request headers allowed origins may send besides <see cref="AlwaysAllowedHeaders"/>.</summary>
    public string[] AllowedHeaders { get; set; } = [];

    /// <summary>Both lists also accept one comma-separated string (<c>Cors__AllowedOrigins=https://a.example,https://b.example</c>).</summary>
    internal void ReadLists(IConfiguration configuration)
    {
        AllowedOrigins = ListSetting.Read(configuration, $"{SectionName}:{nameof(AllowedOrigins)}");
        AllowedHeaders = ListSetting.Read(configuration, $"{SectionName}:{nameof(AllowedHeaders)}");
    }

    internal string[] EffectiveAllowedHeaders => [.. AlwaysAllowedHeaders.Concat(AllowedHeaders).Distinct(StringComparer.OrdinalIgnoreCase)];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        AllowedOrigins.Where(origin => !IsOrigin(origin)).Select(origin => new ValidationResult(
            $"Cors:AllowedOrigins: '{origin}' is not an exact origin like https://app.example.com (no path, no wildcard, no trailing slash)."))
        .Concat(AllowedHeaders.Where(header => !IsHeaderName(header)).Select(header => new ValidationResult(
            $"Cors:AllowedHeaders: '{header}' is not a header name like X-Requested-With (letters, digits and !#$%&'+-.^_`|~ only; no spaces, no wildcard).")));

    internal static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.GetLeftPart(UriPartial.Authority) == value;

    // An RFC 9110 token, less '*': in Access-Control-Allow-Headers a lone '*' is a wildcard that browsers ignore on
    // credentialed requests, and the framework would answer it by allowing every header.
    internal static bool IsHeaderName(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'+-.^_`|~".Contains(c, StringComparison.Ordinal));
}

public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Requests one client IP may make to /login and /register per window.</summary>
    [Range(1, 100_000)]
    public int AuthPermitLimit { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AuthWindow { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class TrustedProxyOptions : IValidatableObject
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. None by default.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR) of such proxies.</summary>
    public string[] KnownNetworks { get; set; } = [];

    internal bool Any => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    /// <summary>Both lists also accept one comma-separated string (<c>ForwardedHeaders__KnownProxies=10.0.0.1,10.0.0.2</c>).</summary>
    internal void ReadLists(IConfiguration configuration)
    {
        KnownProxies = ListSetting.Read(configuration, $"{SectionName}:{nameof(KnownProxies)}");
        KnownNetworks = ListSetting.Read(configuration, $"{SectionName}:{nameof(KnownNetworks)}");
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        KnownProxies.Where(p => !IPAddress.TryParse(p, out _)).Select(p => new ValidationResult($"ForwardedHeaders:KnownProxies: '{p}' is not an IP address."))
            .Concat(KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)).Select(n => new ValidationResult($"ForwardedHeaders:KnownNetworks: '{n}' is not a CIDR range.")));
}

public sealed class RequestLimitOptions
{
    public const string SectionName = "RequestLimits";

    /// <summary>Largest request body accepted; every endpoint takes small JSON documents.</summary>
    [Range(1024, 10 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 16 * 1024;
}
