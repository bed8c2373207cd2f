using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Api.Tests.Infrastructure;

/// <summary>The API in-process against a real PostgreSQL database, with a movable clock and cheap bcrypt.</summary>
public sealed class ApiFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, string? environment = null)
    : WebApplicationFactory<Program>
{
    /// <summary>Tests set this header to play a client at that IP address; in-process requests have none.</summary>
    public const string PeerHeader = "X-Test-Peer";

    public string ConnectionString => connectionString;

    public TestClock Clock { get; } = new();

    /// <summary>Every log line the API wrote, at every level.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Services a test adds or replaces after the API's own (exporters, fakes).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (environment is not null)
        {
            builder.UseEnvironment(environment);
        }
        builder.UseSetting("ConnectionStrings:Postgres", connectionString);
        // Cost 4 is bcrypt's minimum: the tests exercise the algorithm's logic, not its slowness.
        builder.UseSetting("Passwords:WorkFactor", "4");
        // The whole suite runs in parallel on two cores, where opening a connection has been seen to take over the
        // product's 3 s; tests of timeouts set their own.
        builder.UseSetting("Database:ConnectTimeout", "00:00:30");
        builder.UseSetting("Database:CommandTimeout", "00:00:30");
        // In-process requests have no client IP, so they all share one rate-limit partition; tests of the limit set their own.
        builder.UseSetting("RateLimiting:AuthPermitLimit", "100000");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(Logs)));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IStartupFilter, PeerAddressStartupFilter>();
            TestServices?.Invoke(services);
        });
    }

    /// <summary>This API without the background service <typeparamref name="T"/>, so what requests do alone can be seen.</summary>
    public WebApplicationFactory<Program> Without<T>() where T : IHostedService =>
        WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Remove(services.Single(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == typeof(T)))));

    /// <summary>A client that keeps no cookies: tests send exactly the Cookie header they mean to.</summary>
    public HttpClient CreateBareClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), HandleCookies = false, AllowAutoRedirect = false });

    private sealed class PeerAddressStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[PeerHeader], out var peer))
                {
                    context.Connection.RemoteIpAddress = peer;
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>Each test class gets its own database cloned from the migrated template, and its own API.</summary>
public class ApiFixture : IAsyncLifetime
{
    private ApiFactory? _factory;

    public ApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialised.");

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected virtual string? Environment => null;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.InstanceAsync();
        _factory = new ApiFactory(await server.CreateDatabaseAsync(), Settings, Environment);
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }
}
