using System.Data;
using System.Net;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Api.Infrastructure;

public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public bool MigrateOnStartup { get; set; } = true;
}

public static class DatabaseConfiguration
{
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new InetHandler());

        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName);
        // Resolved lazily so that configuration added by hosts and test factories after Program's first lines still applies.
        builder.Services.AddSingleton(sp => CreateDataSource(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<MigrateOnStartup>();
        return builder;
    }

    internal static NpgsqlDataSource CreateDataSource(IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Set the environment variable ConnectionStrings__Postgres, or start the API with ./run.sh, which starts a local PostgreSQL for you.");
        }

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        // Every authenticated request runs the same session lookup; prepared statements skip its parse and plan.
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 32;
            settings.AutoPrepareMinUsages = 2;
        }
        // Otherwise a connection returned to the pool queues a reset that PostgreSQL runs ahead of the next query: seven
        // statements (SET SESSION AUTHORIZATION DEFAULT, RESET ALL, CLOSE ALL, UNLISTEN *, ...), so bench/run.sh counted
        // 8 statements per GET /profile instead of 1. Nothing here leaves session state on a pooled connection: settings
        // and locks are transaction-scoped, and the migrator releases its session lock itself.
        settings.NoResetOnClose = true;
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
