using Api.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Api.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL for the whole test run: TEST_DATABASE_URL when set, otherwise a throwaway cluster started from the
/// local PostgreSQL binaries in a temp directory. A migrated template database makes each test class's own database a
/// cheap file copy. There is no fallback: without PostgreSQL the tests fail loudly.
/// </summary>
public sealed class PostgresServer
{
    private const string TemplateName = "api_template";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString) => _adminConnectionString = adminConnectionString;

    public static Task<PostgresServer> InstanceAsync() => Shared.Value;

    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        await ExecuteAdminAsync($"CREATE DATABASE {name} TEMPLATE {TemplateName}");
        return ConnectionStringFor(name);
    }

    public async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = "empty_" + Guid.NewGuid().ToString("N");
        await ExecuteAdminAsync($"CREATE DATABASE {name}");
        return ConnectionStringFor(name);
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = database }.ConnectionString;

    private async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var url = Environment.GetEnvironmentVariable("TEST_DATABASE_URL");
        var server = new PostgresServer(string.IsNullOrWhiteSpace(url) ? (await LocalCluster.StartAsync()).ConnectionString : ToConnectionString(url));
        await server.ExecuteAdminAsync($"DROP DATABASE IF EXISTS {TemplateName}");
        await server.ExecuteAdminAsync($"CREATE DATABASE {TemplateName}");
        // Unpooled, so no connection to the template stays open: CREATE DATABASE ... TEMPLATE refuses a template in use.
        var templateConnection = new NpgsqlConnectionStringBuilder(server.ConnectionStringFor(TemplateName)) { Pooling = false };
        await using (var dataSource = NpgsqlDataSource.Create(templateConnection.ConnectionString))
        {
            await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        }
        return server;
    }

    private static string ToConnectionString(string url)
    {
        if (!url.StartsWith("postgres", StringComparison.Ordinal) || !url.Contains("://", StringComparison.Ordinal))
        {
            return url;
        }
        var uri = new Uri(url);
        var userInfo = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Username = Uri.UnescapeDataString(userInfo[0]),
            Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
        }.ConnectionString;
    }
}
