using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Api.Infrastructure;

public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Whether traces and metrics are collected at all. Unset, they are exactly when an OTLP endpoint is configured
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or a signal's own); off, no OpenTelemetry provider is even registered.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>The share of requests whose traces are recorded, decided here whatever a caller's traceparent says.</summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;
}

/// <summary>
/// OpenTelemetry traces (ASP.NET Core, Npgsql) and metrics (ASP.NET Core, the runtime, Npgsql and <see cref="ApiMetrics"/>),
/// exported over OTLP as the standard <c>OTEL_*</c> variables say. Requests come from browsers, which anyone can make
/// send any <c>traceparent</c>: such a header is kept as a link on the request's span, never as its parent, so it
/// neither silences a trace (sampled flag 00) nor forces one past <see cref="TelemetryOptions.SampleRatio"/>.
/// </summary>
public static class Telemetry
{
    public const string DefaultServiceName = "session-auth-api";

    private const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        // The instruments exist either way (AddDatabase's cleanup jobs need them too): features record into them
        // unconditionally, and without a listener that costs a flag check.
        builder.Services.TryAddSingleton<ApiMetrics>();

        // Read here, not through IOptions: whether the SDK is registered at all is decided while services are added.
        var settings = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), problems, validateAllProperties: true))
        {
            throw new OptionsValidationException(TelemetryOptions.SectionName, typeof(TelemetryOptions),
                problems.Select(p => $"{TelemetryOptions.SectionName}:{string.Join(",", p.MemberNames)}: {p.ErrorMessage}"));
        }
        bool IsSet(string key) => !string.IsNullOrWhiteSpace(builder.Configuration[key]);
        var exportTraces = IsSet(OtlpEndpoint) || IsSet("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var exportMetrics = IsSet(OtlpEndpoint) || IsSet("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        if (!(settings.Enabled ?? (exportTraces || exportMetrics)))
        {
            return builder;
        }

        // ASP.NET Core takes the request's parent from this propagator, and the OpenTelemetry instrumentation extracts it
        // a second time with the SDK's default propagator unless that is the plain W3C one (it then trusts ASP.NET Core's).
        builder.Services.AddSingleton<DistributedContextPropagator>(new CallerContextAsLink());
        Sdk.SetDefaultTextMapPropagator(new TraceContextPropagator());

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName;
        var ratio = new TraceIdRatioBasedSampler(settings.SampleRatio);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                // Remote parents never reach the sampler (see CallerContextAsLink); should one ever, its flag is ignored too.
                tracing.SetSampler(new ParentBasedSampler(ratio, remoteParentSampled: ratio, remoteParentNotSampled: ratio))
                    .AddAspNetCoreInstrumentation(options => options.EnrichWithHttpRequest = EnrichServerSpan)
                    .AddNpgsql();
                if (exportTraces)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddMeter(ApiMetrics.MeterName);
                if (exportMetrics)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }

    private static void EnrichServerSpan(Activity activity, HttpRequest request)
    {
        // The instrumentation records the query string with its values redacted, but keeps every name, and a part
        // without '=' whole: an email address typed into a query would land in the span. No endpoint needs it there.
        activity.SetTag("url.query", null);
        if (CallerContextAsLink.TryRead(request.Headers, out var caller))
        {
            activity.AddLink(new ActivityLink(caller));
        }
    }

    /// <summary>
    /// Starts every request's trace afresh under our sampler, and ignores a caller's baggage. Outgoing context (none
    /// today) is written as usual.
    /// </summary>
    private sealed class CallerContextAsLink : DistributedContextPropagator
    {
        private static readonly DistributedContextPropagator Outgoing = CreateDefaultPropagator();

        public override IReadOnlyCollection<string> Fields => Outgoing.Fields;

        public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
            Outgoing.Inject(activity, carrier, setter);

        public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
        {
            traceId = null;
            traceState = null;
        }

        public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;

        internal static bool TryRead(IHeaderDictionary headers, out ActivityContext context)
        {
            context = default;
            return headers.TryGetValue("traceparent", out var traceParent) && traceParent.Count == 1
                && ActivityContext.TryParse(traceParent[0], headers["tracestate"] is { Count: > 0 } state ? state.ToString() : null, isRemote: true, out context);
        }
    }
}
