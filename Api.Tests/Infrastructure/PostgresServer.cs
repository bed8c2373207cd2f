using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
        var server = new PostgresServer(string.IsNullOrWhiteSpace(url) ? await StartLocalClusterAsync() : ToConnectionString(url));
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

    private static async Task<string> StartLocalClusterAsync()
    {
        var bin = FindPostgresBin();
        var dataDir = Path.Combine(Path.GetTempPath(), "api-tests-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["postgres:postgres", dataDir], asPostgres: false);
        }
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"], asRoot);

        var port = FreePort();
        // Durability is worthless for throwaway test data; these settings make writes and CREATE DATABASE fast.
        var serverOptions = $"-p {port} -k {dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopCluster(bin, dataDir, asRoot);
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDir, "-o", serverOptions, "-l", Path.Combine(dataDir, "server.log"), "-w", "start"], asRoot);

        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
        }.ConnectionString;
    }

    private static void StopCluster(string bin, string dataDir, bool asRoot)
    {
        try
        {
            RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "stop"], asRoot).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    internal static string FindPostgresBin()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(dir => Path.Combine(dir, "bin")).Where(Directory.Exists)
                .OrderByDescending(dir => int.TryParse(Path.GetFileName(Path.GetDirectoryName(dir)), out var version) ? version : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries found in /usr/lib/postgresql/*/bin. Install them (apt-get install postgresql), set PG_BIN, or set TEST_DATABASE_URL.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // initdb and postgres refuse to run as root; CI runs as root, so they run as the postgres user there.
    private static async Task RunAsync(string program, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asPostgres)
        {
            foreach (var prefix in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(prefix);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}
