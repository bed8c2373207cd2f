using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Api.Infrastructure;
using Api.Tests.Infrastructure;

namespace Api.Tests.Reliability;

/// <summary>Three API processes on different ports, one database: the API keeps no state of its own.</summary>
[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
public sealed partial class MultiInstanceTests : IAsyncLifetime
{
    private readonly List<ApiProcess> _processes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    [Fact]
    public async Task Three_instances_started_at_once_on_an_empty_database_migrate_it_exactly_once_and_share_one_new_key()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateEmptyDatabaseAsync();

        var instances = await StartAsync(database, 3);

        var files = Migrator.LoadFrom(Path.Combine(AppContext.BaseDirectory, "migrations")).Count;
        Assert.Equal(files, await TestSql.ScalarSqlAsync<int>(database, "SELECT count(*) FROM schema_migrations"));
        Assert.Equal(files, instances.Sum(i => i.Output.Count(line => line.Contains("Applied migration", StringComparison.Ordinal))));
        // Three keys made at once would leave each instance unable to read the others' data until its next refresh.
        Assert.Equal(1, await TestSql.ScalarSqlAsync<int>(database, "SELECT count(*) FROM data_protection_keys"));
    }

    [Fact]
    public async Task A_session_works_on_every_instance_and_a_revocation_on_one_is_seen_by_all()
    {
        var (a, b, c) = await ThreeAsync();
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        using var clientC = c.CreateClient();
        var (email, password, token) = await RegisterAsync(clientA);
        var other = await LoginAsync(clientC, email, password);

        await clientB.AssertSessionAliveAsync(token);
        var sessions = await (await clientC.GetWithSessionAsync("/sessions", other)).Content.ReadFromJsonAsync<JsonElement>();
        var id = sessions.EnumerateArray().Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
        using var revoke = await clientC.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{id}", $"__Host-sid={other}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await clientC.AssertSessionDeadAsync(token);
        await clientA.AssertSessionEndsAsync(token);
        await clientB.AssertSessionEndsAsync(token);
        await clientA.AssertSessionAliveAsync(other);
    }

    [Fact]
    public async Task A_password_change_on_one_instance_ends_the_other_sessions_on_all()
    {
        var (a, b, c) = await ThreeAsync();
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        using var clientC = c.CreateClient();
        var (email, password, onA) = await RegisterAsync(clientA);
        var onB = await LoginAsync(clientB, email, password);
        var onC = await LoginAsync(clientC, email, password);

        using var change = await clientA.SendWithCookieAsync(HttpMethod.Post, "/profile/password", $"__Host-sid={onA}",
            JsonContent.Create(new { currentPassword = password, newPassword = "another long password" }));

        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        var rotated = ApiClient.SessionTokenFrom(change)!;
        foreach (var token in new[] { onA, onB, onC })
        {
            await clientA.AssertSessionDeadAsync(token);
            await clientB.AssertSessionEndsAsync(token);
            await clientC.AssertSessionEndsAsync(token);
        }
        foreach (var client in new[] { clientA, clientB, clientC })
        {
            await client.AssertSessionAliveAsync(rotated);
        }
    }

    [Fact]
    public async Task The_cleanup_runs_on_all_three_without_errors_or_double_work()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        var instances = await StartAsync(database, 3, new Dictionary<string, string>
        {
            ["Session:CleanupInterval"] = "00:00:00.200",
            ["Session:CleanupBatchSize"] = "50",
        });
        using var client = instances[0].CreateClient();
        await RegisterAsync(client);
        await SessionSeeding.InsertExpiredAsync(database, 3000, DateTime.UtcNow);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await TestSql.ScalarSqlAsync<int>(database, "SELECT count(*) FROM sessions WHERE expires_at <= now()") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        await Task.Delay(500);

        Assert.Equal(0, await TestSql.ScalarSqlAsync<int>(database, "SELECT count(*) FROM sessions WHERE expires_at <= now()"));
        var deletedPerInstance = instances.Select(i => i.Output.Select(line => DeletedCount().Match(line)).Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(3000, deletedPerInstance.Sum());
        foreach (var instance in instances)
        {
            Assert.DoesNotContain(instance.Output, line => line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("deadlock", StringComparison.OrdinalIgnoreCase)
                || line.Contains("exception", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task Sessions_survive_a_restart_of_the_api()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        var first = (await StartAsync(database, 1))[0];
        using var firstClient = first.CreateClient();
        var (_, _, token) = await RegisterAsync(firstClient);

        Assert.Equal(0, await first.TerminateAsync());
        var second = (await StartAsync(database, 1))[0];
        using var secondClient = second.CreateClient();

        await secondClient.AssertSessionAliveAsync(token);
    }

    [Fact]
    public async Task Sigterm_lets_an_in_flight_request_finish_and_the_process_exits_zero()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        // A real bcrypt cost, so a login is still running when the signal arrives.
        var api = (await StartAsync(database, 1, new Dictionary<string, string> { ["Passwords:WorkFactor"] = "14" }))[0];
        using var client = api.CreateClient();
        var (email, password, _) = await RegisterAsync(client);

        var login = client.PostLoginAsync(email, password);
        await Task.Delay(150);
        var exit = api.TerminateAsync();

        using var response = await login;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(ApiClient.SessionTokenFrom(response));
        Assert.Equal(0, await exit);
    }

    private async Task<(ApiProcess A, ApiProcess B, ApiProcess C)> ThreeAsync()
    {
        var instances = await StartAsync(await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync(), 3);
        return (instances[0], instances[1], instances[2]);
    }

    private async Task<List<ApiProcess>> StartAsync(string database, int count, IReadOnlyDictionary<string, string>? settings = null)
    {
        var started = Enumerable.Range(0, count).Select(_ => ApiProcess.Start(database, settings)).ToList();
        _processes.AddRange(started);
        await Task.WhenAll(started.Select(p => p.WaitUntilLiveAsync()));
        return started;
    }

    private static async Task<(string Email, string Password, string Token)> RegisterAsync(HttpClient client)
    {
        var email = $"multi-{Guid.NewGuid():N}@example.com";
        const string password = "a long enough password";
        using var response = await client.PostAsJsonAsync("/register", new { email, name = "Multi", password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (email, password, ApiClient.SessionTokenFrom(response)!);
    }

    private static async Task<string> LoginAsync(HttpClient client, string email, string password)
    {
        using var response = await client.PostLoginAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ApiClient.SessionTokenFrom(response)!;
    }

    [GeneratedRegex(@"Cleanup deleted (\d+) expired sessions")]
    private static partial Regex DeletedCount();
}
