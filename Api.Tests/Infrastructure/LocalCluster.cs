using System.Diagnostics;
using Npgsql;

namespace Api.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster from the local binaries, in a temp directory on a free port, which tests may stop and
/// start. initdb and postgres refuse to run as root, so as root they run as the postgres user.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dataDir;
    private readonly int _port;
    private readonly bool _asRoot = Environment.UserName == "root";

    private LocalCluster(string bin, string dataDir, int port)
    {
        _bin = bin;
        _dataDir = dataDir;
        _port = port;
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = "postgres",
        Database = "postgres",
    }.ConnectionString;

    public static async Task<LocalCluster> StartAsync()
    {
        RemoveStaleClusters();
        var cluster = new LocalCluster(FindPostgresBin(), Path.Combine(Path.GetTempPath(), "api-tests-pg-" + Guid.NewGuid().ToString("N")[..8]), Ports.Free());
        Directory.CreateDirectory(cluster._dataDir);
        if (cluster._asRoot)
        {
            await RunAsync("chown", ["postgres:postgres", cluster._dataDir], asPostgres: false);
        }
        await cluster.PgAsync("initdb", ["-D", cluster._dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Destroy();
        await cluster.StartServerAsync();
        return cluster;
    }

    /// <summary>
    /// A test process that is ended before its exit handler has finished leaves its cluster's directory behind (seen
    /// here: dozens of them, up to 700 MB each). Those whose server no longer runs, and that nothing has written to for
    /// ten minutes, are removed before a new cluster starts.
    /// </summary>
    private static void RemoveStaleClusters()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "api-tests-pg-*"))
        {
            var pidFile = Path.Combine(dir, "postmaster.pid");
            var running = File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && IsRunning(pid);
            if (running || Directory.GetLastWriteTimeUtc(dir) > DateTime.UtcNow.AddMinutes(-10))
            {
                continue;
            }
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another test run may be removing it too; what is left goes next time.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // Durability is worthless for throwaway test data; these settings make writes and CREATE DATABASE fast.
    // pg_stat_statements lets tests count the statements a request runs (RoundTripTests).
    public Task StartServerAsync() => PgAsync("pg_ctl", ["-D", _dataDir, "-l", Path.Combine(_dataDir, "server.log"), "-w", "start",
        "-o", $"-p {_port} -c unix_socket_directories='' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
            + " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top"]);

    /// <summary>Stops the server the way an operator would: sessions are terminated, in-flight transactions roll back.</summary>
    public Task StopServerAsync() => PgAsync("pg_ctl", ["-D", _dataDir, "-m", "fast", "-w", "stop"]);

    public async Task RestartServerAsync()
    {
        await StopServerAsync();
        await StartServerAsync();
    }

    /// <summary>Freezes every server process (SIGSTOP): the database neither answers nor refuses, like a hung host.</summary>
    public Task FreezeAsync() => SignalAllAsync("-STOP");

    public Task ThawAsync() => SignalAllAsync("-CONT");

    private async Task SignalAllAsync(string signal)
    {
        var postmaster = (await File.ReadAllLinesAsync(Path.Combine(_dataDir, "postmaster.pid")))[0].Trim();
        var children = await RunForOutputAsync("pgrep", ["-P", postmaster]);
        var pids = children.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Prepend(postmaster);
        await RunAsync("kill", [signal, .. pids], asPostgres: false);
    }

    private static async Task<string> RunForOutputAsync(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Run(Destroy);
    }

    private void Destroy()
    {
        if (!Directory.Exists(_dataDir))
        {
            return;
        }
        try
        {
            PgAsync("pg_ctl", ["-D", _dataDir, "-m", "immediate", "stop"]).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task PgAsync(string program, string[] arguments) => RunAsync(Path.Combine(_bin, program), arguments, _asRoot);

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
