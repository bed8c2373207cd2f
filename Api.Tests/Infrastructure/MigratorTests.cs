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

    private static async Task<NpgsqlDataSource> EmptyDatabaseAsync()
    {
        var server = await PostgresServer.InstanceAsync();
        return NpgsqlDataSource.Create(await server.CreateEmptyDatabaseAsync());
    }
}
