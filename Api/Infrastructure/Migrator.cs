using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Api.Infrastructure;

public sealed record Migration(string Name, string Sql)
{
    /// <summary>A file whose first line is this runs outside a transaction (CREATE INDEX CONCURRENTLY): one statement only.</summary>
    public const string NoTransactionMarker = "-- migrate: no-transaction";

    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    public bool InTransaction { get; } = !Sql.TrimStart().StartsWith(NoTransactionMarker, StringComparison.Ordinal);
}

public sealed record MigrationResult(IReadOnlyList<string> Applied, IReadOnlyList<string> AlreadyApplied);

public sealed class MigrationChecksumException(string message) : Exception(message);

/// <summary>
/// Applies db/migrations/*.sql in name order, each in its own transaction unless its first line is
/// <see cref="Migration.NoTransactionMarker"/>, and records name and checksum in schema_migrations. An advisory lock
/// makes concurrent starts of several instances apply each file exactly once, and a file edited after it was applied
/// stops the migrator. (DbUp keeps no checksums; Evolve keeps its own history in its own naming scheme, so adopting
/// either would have meant renaming applied files or losing the checksum refusal for them.)
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Arbitrary but fixed: every instance of this API must contend for the same lock.
    private const long AdvisoryLockKey = 7_310_564_220_117_403_501;

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "migrations");

    public static IReadOnlyList<Migration> LoadFrom(string directory) =>
        [.. Directory.GetFiles(directory, "*.sql")
            .Order(StringComparer.Ordinal)
            .Select(path => new Migration(Path.GetFileName(path), File.ReadAllText(path)))];

    public Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default) =>
        MigrateAsync(LoadFrom(DefaultDirectory), cancellationToken);

    /// <summary>The files that migrating would apply now, without applying anything.</summary>
    public async Task<IReadOnlyList<Migration>> PendingAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var applied = await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('schema_migrations') IS NOT NULL")
            ? await AppliedAsync(connection)
            : [];
        RefuseEdited(migrations, applied);
        return [.. migrations.Where(m => !applied.ContainsKey(m.Name))];
    }

    public Task<IReadOnlyList<Migration>> PendingAsync(CancellationToken cancellationToken = default) =>
        PendingAsync(LoadFrom(DefaultDirectory), cancellationToken);

    public async Task<MigrationResult> MigrateAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_lock(@AdvisoryLockKey)", new { AdvisoryLockKey });
        try
        {
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """);
            var applied = await AppliedAsync(connection);
            RefuseEdited(migrations, applied);

            var newlyApplied = new List<string>();
            foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Name)))
            {
                await ApplyAsync(connection, migration, cancellationToken);
                LogApplied(migration.Name);
                newlyApplied.Add(migration.Name);
            }
            return new MigrationResult(newlyApplied, [.. applied.Keys.Order(StringComparer.Ordinal)]);
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@AdvisoryLockKey)", new { AdvisoryLockKey });
        }
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        const string record = "INSERT INTO schema_migrations (name, checksum) VALUES (@Name, @Checksum)";
        if (!migration.InTransaction)
        {
            // One statement on its own, so PostgreSQL runs it outside any transaction block. Should it fail halfway
            // (CREATE INDEX CONCURRENTLY leaves an INVALID index), it is not recorded: drop what it left and start again.
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(record, new { migration.Name, migration.Checksum });
            return;
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(migration.Sql, transaction: transaction);
        await connection.ExecuteAsync(record, new { migration.Name, migration.Checksum }, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, string>> AppliedAsync(NpgsqlConnection connection) =>
        (await connection.QueryAsync<(string Name, string Checksum)>("SELECT name, checksum FROM schema_migrations"))
            .ToDictionary(m => m.Name, m => m.Checksum);

    private static void RefuseEdited(IReadOnlyList<Migration> migrations, Dictionary<string, string> applied)
    {
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Name, out var checksum) && checksum != migration.Checksum)
            {
                throw new MigrationChecksumException(
                    $"Migration {migration.Name} was edited after it was applied (recorded checksum {checksum}, file checksum {migration.Checksum}). Applied migrations are never edited: restore the file and add a new migration instead.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Name}")]
    private partial void LogApplied(string name);
}

/// <summary>
/// Runs in StartingAsync, before Kestrel accepts requests, so no request ever meets an old schema.
/// </summary>
internal sealed class MigrateOnStartup(Migrator migrator, Microsoft.Extensions.Options.IOptions<DatabaseOptions> options) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStartup)
        {
            await migrator.MigrateAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
