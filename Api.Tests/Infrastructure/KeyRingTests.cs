using System.Xml.Linq;
using Api.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Api.Tests.Infrastructure;

/// <summary>Data Protection's key ring lives in PostgreSQL, one for every instance.</summary>
public sealed class KeyRingTests : IAsyncLifetime
{
    private readonly List<ApiFactory> _instances = [];
    private readonly List<WebApplication> _apps = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Instances_starting_at_once_on_a_database_without_keys_make_one_key_and_read_each_others_data()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        _instances.AddRange(Enumerable.Range(0, 3).Select(_ => new ApiFactory(database)));

        await Task.WhenAll(_instances.Select(instance => Task.Run(() => instance.Services)));

        Assert.Equal(1, await TestSql.ScalarSqlAsync<int>(database, "SELECT count(*) FROM data_protection_keys"));
        var protectors = _instances.Select(instance => instance.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test")).ToList();
        Assert.Equal("from the first", protectors[2].Unprotect(protectors[0].Protect("from the first")));
        Assert.Equal("from the last", protectors[0].Unprotect(protectors[2].Protect("from the last")));
    }

    [Fact]
    public async Task Warm_ups_racing_on_a_database_without_keys_make_one_key_between_them()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        _apps.AddRange(Enumerable.Range(0, 8).Select(_ => BuildApp(database)));
        var warmUps = _apps.Select(app => app.Services.GetServices<IHostedService>().OfType<KeyRingWarmUp>().Single()).ToList();
        var go = new TaskCompletionSource();

        var racing = warmUps.Select(warmUp => Task.Run(async () =>
        {
            await go.Task;
            await warmUp.StartingAsync(CancellationToken.None);
        })).ToList();
        go.SetResult();
        await Task.WhenAll(racing);

        Assert.Equal(1, await TestSql.ScalarSqlAsync<int>(database, "SELECT count(*) FROM data_protection_keys"));
    }

    /// <summary>The API's services, not started: only its key ring warm-up runs.</summary>
    private static WebApplication BuildApp(string database)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:Postgres"] = database;
        builder.AddDatabase();
        builder.AddKeyRing();
        return builder.Build();
    }

    [Fact]
    public async Task The_repository_keeps_every_element_it_is_given_even_two_of_one_name()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var repository = new PostgresXmlRepository(dataSource);

        repository.StoreElement(new XElement("key", new XAttribute("id", "1")), "key-1");
        repository.StoreElement(new XElement("revocation", new XAttribute("id", "2")), "revocation-1");
        repository.StoreElement(new XElement("revocation", new XAttribute("id", "3")), "revocation-1");

        Assert.Equal(["1", "2", "3"], repository.GetAllElements().Select(element => element.Attribute("id")!.Value));
        var names = await TestSql.QuerySqlAsync<string>(database, "SELECT friendly_name FROM data_protection_keys ORDER BY id");
        Assert.Equal(3, names.Distinct().Count());
        Assert.StartsWith("revocation-1-", names[2], StringComparison.Ordinal);
    }
}
