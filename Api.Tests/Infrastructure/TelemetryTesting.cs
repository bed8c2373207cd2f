using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using Api.Tests.Mail;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Api.Tests.Infrastructure;

/// <summary>
/// OpenTelemetry's listeners are process-wide: a provider hears the spans and instruments of every API host in the test
/// process. Telemetry tests therefore run alone, after the parallel ones, so what they count is theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryTestGroup
{
    public const string Name = "telemetry";
}

/// <summary>What the server's activity was while a request ran, read inside the request.</summary>
public sealed record RequestTrace(bool Recorded, ActivityTraceId TraceId, ActivitySpanId ParentSpanId, IReadOnlyList<ActivityLink> Links);

/// <summary>
/// The API with telemetry on and in-memory exporters instead of OTLP, an SMTP server to send to, and cleanup every
/// 200 ms. Requests whose User-Agent starts with <see cref="MarkedAgent"/> have their activity recorded in
/// <see cref="Requests"/>.
/// </summary>
public class TelemetryFixture : IAsyncLifetime
{
    public const string MarkedAgent = "telemetry-test-";

    private ApiFactory? _factory;

    public TestSmtpServer Smtp { get; } = new();

    public ApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialised.");

    public ExportedCollection<Activity> Spans { get; } = new();

    public ExportedCollection<MetricSnapshot> Metrics { get; } = new();

    public ConcurrentDictionary<string, RequestTrace> Requests { get; } = new();

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Smtp.Start();
        var settings = MailTesting.SmtpSettings(Smtp);
        settings["Telemetry:Enabled"] = "true";
        settings["Session:CleanupInterval"] = "00:00:00.200";
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        _factory = new ApiFactory(await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync(), settings)
        {
            TestServices = services =>
            {
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
                // Read on demand (ForceFlush), never on a timer.
                services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics,
                    reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue));
                services.AddSingleton<IStartupFilter>(new RequestTraceRecorder(Requests));
            },
        };
        _ = _factory.Services;
    }

    /// <summary>
    /// The total so far of counter <paramref name="name"/> (a histogram's count of measurements) over the points whose
    /// tag <paramref name="tag"/> is <paramref name="value"/>, or over all points.
    /// </summary>
    public long Total(string name, string? tag = null, string? value = null)
    {
        Metrics.Clear();
        Assert.True(Factory.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));
        var metric = Metrics.Snapshot().LastOrDefault(m => m.Name == name);
        if (metric is null)
        {
            return 0;
        }
        var points = metric.MetricPoints.Where(point => tag is null || Tags(point).Any(t => t.Key == tag && Equals(t.Value, value)));
        return metric.MetricType is MetricType.Histogram
            ? points.Sum(point => point.GetHistogramCount())
            : points.Sum(point => point.GetSumLong());
    }

    /// <summary>Every metric exported by a fresh flush.</summary>
    public IReadOnlyList<MetricSnapshot> FlushMetrics()
    {
        Metrics.Clear();
        Assert.True(Factory.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));
        return Metrics.Snapshot();
    }

    public static IEnumerable<KeyValuePair<string, object?>> Tags(MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            yield return tag;
        }
    }

    /// <summary>The exported server span of the request sent with User-Agent <paramref name="agent"/>, once it has ended.</summary>
    public async Task<Activity> ServerSpanAsync(string agent)
    {
        Activity? span = null;
        await MailTesting.EventuallyAsync(() => (span = FindServerSpan(agent)) is not null, $"the server span of {agent} is exported");
        return span!;
    }

    public Activity? FindServerSpan(string agent) =>
        Spans.Snapshot().FirstOrDefault(s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("user_agent.original"), agent));

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        await Smtp.DisposeAsync();
    }

    private sealed class RequestTraceRecorder(ConcurrentDictionary<string, RequestTrace> requests) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                var agent = context.Request.Headers.UserAgent.ToString();
                if (agent.StartsWith(MarkedAgent, StringComparison.Ordinal) && Activity.Current is { } activity)
                {
                    requests[agent] = new RequestTrace(activity.Recorded, activity.TraceId, activity.ParentSpanId, [.. activity.Links]);
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>As <see cref="TelemetryFixture"/>, with a sampler that keeps no trace at all.</summary>
public sealed class NoSamplingTelemetryFixture : TelemetryFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Telemetry:SampleRatio"] = "0",
    };
}

/// <summary>A collection exporters add to from their own threads while a test reads it.</summary>
public sealed class ExportedCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public IReadOnlyList<T> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        lock (_items)
        {
            _items.Add(item);
        }
    }

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    public bool Contains(T item)
    {
        lock (_items)
        {
            return _items.Contains(item);
        }
    }

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (_items)
        {
            _items.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(T item)
    {
        lock (_items)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
