using Api.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Api.Tests.Infrastructure;

public sealed class MigratorTests
{
    [Fact]
    public async Task Migrating_twice_applies_every_file_once()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(Migrator.LoadFrom(Migrator.DefaultDirectory).Select(m => m.Name), first.Applied);
        Assert.Empty(second.Applied);
        Assert.Equal(first.Applied, second.AlreadyApplied);
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_stops_the_migrator()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);
        await migrator.MigrateAsync([new Migration("0001_a.sql", "CREATE TABLE a (id int)")]);

        var edited = await Assert.ThrowsAsync<MigrationChecksumException>(
            () => migrator.MigrateAsync([new Migration("0001_a.sql", "CREATE TABLE a (id bigint)"), new Migration("0002_b.sql", "CREATE TABLE b (id int)")]));

        Assert.Contains("0001_a.sql", edited.Message, StringComparison.Ordinal);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('b') IS NOT NULL"));
    }

    [Fact]
    public async Task A_failing_migration_rolls_back_entirely_and_is_not_recorded()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);

        await Assert.ThrowsAsync<PostgresException>(
            () => migrator.MigrateAsync([new Migration("0001_bad.sql", "CREATE TABLE half (id int); SELECT * FROM missing_table;")]));

        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('half') IS NOT NULL"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Instances_migrating_at_the_same_moment_apply_each_file_exactly_once()
    {
        await using var dataSource = await EmptyDatabaseAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync())));

        var fileCount = Migrator.LoadFrom(Migrator.DefaultDirectory).Count;
        Assert.Equal(fileCount, results.Sum(r => r.Applied.Count));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(fileCount, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task A_file_marked_no_transaction_can_build_an_index_concurrently_and_is_recorded()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);
        var table = new Migration("0001_table.sql", "CREATE TABLE t (id int)");
        const string concurrently = "CREATE INDEX CONCURRENTLY t_id_idx ON t (id)";

        await Assert.ThrowsAsync<PostgresException>(() => migrator.MigrateAsync([table, new Migration("0002_index.sql", concurrently)]));
        var result = await migrator.MigrateAsync([table, new Migration("0002_index.sql", Migration.NoTransactionMarker + "\n" + concurrently)]);

        Assert.Equal(["0002_index.sql"], result.Applied);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id_idx'::regclass"));
    }

    [Fact]
    public async Task A_dry_run_lists_what_is_pending_and_applies_nothing()
    {
        await using var dataSource = await EmptyDatabaseAsync();
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);
        Migration[] first = [new("0001_a.sql", "CREATE TABLE a (id int)")];
        Migration[] both = [.. first, new(
            "0002_b.sql", Migration.NoTransactionMarker + "\nCREATE INDEX CONCURRENTLY a_id_idx ON a (id)")];

        var beforeAnything = await migrator.PendingAsync(both);
        await migrator.MigrateAsync(first);
        var pending = await migrator.PendingAsync(both);

        Assert.Equal(["0001_a.sql", "0002_b.sql"], beforeAnything.Select(m => m.Name));
        var only = Assert.Single(pending);
        Assert.Equal("0002_b.sql", only.Name);
        Assert.False(only.InTransaction);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('a_id_idx') IS NOT NULL"));
        await Assert.ThrowsAsync<MigrationChecksumException>(() => migrator.PendingAsync([new("0001_a.sql", "CREATE TABLE a (id bigint)")]));
    }

    private static async Task<NpgsqlDataSource> EmptyDatabaseAsync()
    {
        var server = await PostgresServer.InstanceAsync();
        return NpgsqlDataSource.Create(await server.CreateEmptyDatabaseAsync());
    }
}

public sealed class MigrateCommandTests
{
    [Fact]
    public async Task Migrate_dry_run_lists_the_pending_files_and_applies_none()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateEmptyDatabaseAsync();
        var files = Migrator.LoadFrom(Migrator.DefaultDirectory).Select(m => m.Name).ToList();

        var (dryRunExit, dryRun) = await RunAsync(database, "migrate", "--dry-run");
        var (migrateExit, _) = await RunAsync(database, "migrate");
        var (afterExit, after) = await RunAsync(database, "migrate", "--dry-run");

        Assert.Equal(0, dryRunExit);
        Assert.Contains($"Would apply {files.Count} migrations", dryRun, StringComparison.Ordinal);
        Assert.All(files, file => Assert.Contains(file, dryRun, StringComparison.Ordinal));
        Assert.Equal(0, migrateExit);
        Assert.Equal(0, afterExit);
        Assert.Contains("Database is up to date: nothing to apply.", after, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string connectionString, params string[] arguments) =>
        ApiCommand.RunAsync(new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = connectionString }, arguments);
}
