using System.ComponentModel.DataAnnotations;
using System.Data;
using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Api.Infrastructure;

public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>How long opening a connection (or waiting for a free one in the pool) may take, unless the connection string says.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one statement may run, unless the connection string says.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connections this instance keeps open at most, unless the connection string says. Npgsql's default is 100; see
    /// CreateDataSource for why this one is smaller.
    /// </summary>
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 16;

    /// <summary>
    /// Let Npgsql prepare statements it sees often, unless the connection string says. Off by default: an error on the
    /// execution that prepares a statement leaves the pooled connection answering later commands with "unexpected
    /// backend message" (npgsql issue #6391, open in 10.0.3); StatementErrorTests shows it. bench/README.md has the cost.
    /// </summary>
    public bool AutoPrepare { get; set; }
}

public static class DatabaseConfiguration
{
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new InetHandler());

        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // Resolved lazily so that configuration added by hosts and test factories after Program's first lines still applies.
        builder.Services.AddSingleton(sp => CreateDataSource(
            sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<MigrateOnStartup>();
        // Every feature's row-ageing job runs here, each on its own interval.
        builder.Services.AddHostedService<CleanupService>();
        builder.Services.TryAddSingleton<ApiMetrics>();
        // Expiry, locks and tokens all take their time from here, so tests can move the clock instead of sleeping.
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    internal static NpgsqlDataSource CreateDataSource(IConfiguration configuration, DatabaseOptions options, ILoggerFactory loggerFactory)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Set the environment variable ConnectionStrings__Postgres, or start the API with ./run.sh, which starts a local PostgreSQL for you.");
        }

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        // NpgsqlConnectionStringBuilder claims every keyword it knows; only the raw string tells what the operator set.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool IsGiven(params string[] keys) => keys.Any(given.ContainsKey);
        // Prepared statements skip parse and plan, but see DatabaseOptions.AutoPrepare for why they are off by default.
        if (!IsGiven("Max Auto Prepare", "MaxAutoPrepare"))
        {
            settings.MaxAutoPrepare = options.AutoPrepare ? 32 : 0;
            settings.AutoPrepareMinUsages = 2;
        }
        // A database that does not answer must cost a request seconds, not Npgsql's default 15 s connect and 30 s command
        // timeouts: clients get a quick 503 and retry, instead of piling up behind a dead server.
        if (!IsGiven("Timeout"))
        {
            settings.Timeout = (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds);
        }
        if (!IsGiven("Command Timeout", "CommandTimeout"))
        {
            settings.CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        }
        if (!IsGiven("Cancellation Timeout", "CancellationTimeout"))
        {
            // After a command timeout, Npgsql would wait for the server to confirm a cancel request; a hung server never
            // does. Not waiting drops the connection instead, which is what a timed-out request needs.
            settings.CancellationTimeout = -1;
        }
        // Every request holds a connection only for its statement, so a few connections serve many requests, and every
        // further busy connection is one more PostgreSQL backend woken per statement (measured in bench/README.md, "pool
        // size"). It also keeps three instances within PostgreSQL's default max_connections of 100.
        if (!IsGiven("Maximum Pool Size", "MaxPoolSize"))
        {
            settings.MaxPoolSize = options.MaxPoolSize;
        }
        // Otherwise a connection returned to the pool queues a reset that PostgreSQL runs ahead of the next query: seven
        // statements (SET SESSION AUTHORIZATION DEFAULT, RESET ALL, CLOSE ALL, UNLISTEN *, ...) ahead of every request's
        // own (bench/README.md). Nothing here leaves session state on a pooled connection: settings
        // and locks are transaction-scoped, the migrator releases its session lock itself, and the mail dispatcher
        // runs UNLISTEN before it gives its listening connection back.
        if (!IsGiven("No Reset On Close", "NoResetOnClose"))
        {
            settings.NoResetOnClose = true;
        }
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "session-auth-api";
        }
        return new NpgsqlDataSourceBuilder(settings.ConnectionString).UseLoggerFactory(loggerFactory).Build();
    }
}

/// <summary>Dapper refuses types it does not know; Npgsql maps IPAddress to inet natively.</summary>
internal sealed class InetHandler : SqlMapper.TypeHandler<IPAddress>
{
    public override void SetValue(IDbDataParameter parameter, IPAddress? value)
    {
        parameter.Value = value is null ? DBNull.Value : value;
        ((NpgsqlParameter)parameter).NpgsqlDbType = NpgsqlDbType.Inet;
    }

    public override IPAddress? Parse(object value) => (IPAddress)value;
}
