using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Api.Tests.Reliability;

[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);
    private LocalCluster? _cluster;
    private ApiFactory? _api;

    private LocalCluster Cluster => _cluster!;
    private ApiFactory Api => _api!;

    public async Task InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync();
        var database = await _cluster.CreateDatabaseAsync("outage");
        // A cluster that has just started can be slow to accept its first connections on a busy machine: the schema is
        // migrated with the suite's patient timeouts, and only the instance under test runs on the short ones.
        await using (var setup = new ApiFactory(database))
        {
            _ = setup.Services;
        }
        _api = new ApiFactory(database, new Dictionary<string, string?>
        {
            ["Database:ConnectTimeout"] = "00:00:02",
            ["Database:CommandTimeout"] = "00:00:02",
            ["Database:MigrateOnStartup"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    [Fact]
    public async Task While_the_database_is_down_every_request_gets_a_quick_503_and_afterwards_every_session_works_again()
    {
        using var client = Api.CreateBareClient();
        var user = await Api.CreateUserAsync();
        var token = await client.LoginAsync(user);
        using (var first = await client.GetWithSessionAsync("/dashboard", token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await Cluster.StopServerAsync();

        foreach (var (method, path, body) in Requests(user))
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.SendWithCookieAsync(method, path, $"__Host-sid={token}", body);
            watch.Stop();

            var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.True(watch.Elapsed < Bound, $"{method} {path} took {watch.Elapsed.TotalSeconds:F1} s");
            Assert.NotNull(response.Headers.RetryAfter);
            // Only logout touches the cookie (it expires it, see below); every other request keeps the session.
            Assert.Equal(path == "/logout", ApiClient.SetCookieHeaders(response).Any());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        }
        using (var live = await client.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await Cluster.StartServerAsync();

        await EventuallyOkAsync(client, token);
        using var dashboard = await client.GetWithSessionAsync("/dashboard", token);
        Assert.Equal(2, (await dashboard.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("visits").GetInt64());
        using var login = await client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Logout_while_the_database_is_down_clears_the_browser_and_the_session_dies_once_the_database_is_back()
    {
        using var client = Api.CreateBareClient();
        var user = await Api.CreateUserAsync();
        var token = await client.LoginAsync(user);

        await Cluster.StopServerAsync();
        using (var logout = await client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={token}"))
        {
            await logout.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(logout.Headers.RetryAfter);
            var expired = Assert.Single(ApiClient.SetCookieHeaders(logout), h => h.StartsWith(ApiClient.CookieName + "=;", StringComparison.Ordinal));
            Assert.Contains("expires=Thu, 01 Jan 1970", expired, StringComparison.Ordinal);
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        await Cluster.StartServerAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        int remaining;
        do
        {
            await Task.Delay(250);
            remaining = await Api.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id });
        }
        while (remaining > 0 && DateTime.UtcNow < deadline);
        Assert.Equal(0, remaining);
        await client.AssertSessionDeadAsync(token);
        // The logout is in the trail too, written with the deferred deletion.
        Assert.Equal("true", await Api.ScalarSqlAsync<string>(
            "SELECT detail ->> 'deferred' FROM audit_events WHERE user_id = @Id AND type = 'logout'", new { user.Id }));
    }

    [Fact]
    public async Task A_flood_of_logouts_during_an_outage_queues_a_bounded_number_of_deferred_deletions()
    {
        var deferred = Api.Services.GetRequiredService<DeferredRevocations>();
        await Cluster.StopServerAsync();

        for (var i = 0; i < DeferredRevocations.Capacity + 500; i++)
        {
            deferred.Enqueue(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), new Microsoft.AspNetCore.Http.DefaultHttpContext());
        }

        Assert.InRange(deferred.Pending, DeferredRevocations.Capacity - 1, DeferredRevocations.Capacity);
        await Cluster.StartServerAsync();
    }

    [Fact]
    public async Task An_instance_idle_through_a_database_restart_answers_its_first_reads_without_error()
    {
        using var client = Api.CreateBareClient();
        var admin = await Api.CreateUserAsync("admin");
        var token = await client.LoginAsync(admin);
        // Fill the pool with connections that the restart will kill.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var warm = await client.GetWithSessionAsync("/profile", token);
        }));

        await Cluster.RestartServerAsync();

        foreach (var path in new[] { "/profile", "/sessions", "/admin/users", "/health/ready", "/profile" })
        {
            using var response = await client.GetWithSessionAsync(path, token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        using var login = await client.PostLoginAsync(admin.Email, admin.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task A_hung_database_costs_a_request_seconds_not_forever()
    {
        using var client = Api.CreateBareClient();
        var user = await Api.CreateUserAsync();
        var token = await client.LoginAsync(user);

        await Cluster.FreezeAsync();
        try
        {
            foreach (var (method, path, body) in Requests(user).Take(3))
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.SendWithCookieAsync(method, path, $"__Host-sid={token}", body);
                watch.Stop();

                await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
                Assert.True(watch.Elapsed < Bound, $"{method} {path} took {watch.Elapsed.TotalSeconds:F1} s");
            }
        }
        finally
        {
            await Cluster.ThawAsync();
        }

        await EventuallyOkAsync(client, token);
    }

    [Fact]
    public async Task When_the_pool_is_exhausted_the_excess_gets_503_quickly_and_the_service_recovers()
    {
        // The cluster started a moment ago, and on a busy machine its first connections have taken over a second: migrate
        // and create the user with the suite's patient timeouts, so only the pool under test runs on a short one.
        TestUser user;
        await using (var setup = new ApiFactory(Api.ConnectionString))
        {
            user = await setup.CreateUserAsync();
        }
        var pooled = new NpgsqlConnectionStringBuilder(Api.ConnectionString) { MaxPoolSize = 3, Timeout = 1 }.ConnectionString;
        await using var api = new ApiFactory(pooled, new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });
        using var client = api.CreateBareClient();
        var token = await client.LoginAsync(user);
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();

        var held = new List<NpgsqlConnection>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await dataSource.OpenConnectionAsync());
        }
        var watch = Stopwatch.StartNew();
        using (var starved = await client.GetWithSessionAsync("/profile", token))
        {
            watch.Stop();
            await starved.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed.TotalSeconds:F1} s");
        }
        foreach (var connection in held)
        {
            await connection.DisposeAsync();
        }

        var burst = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => client.GetWithSessionAsync("/dashboard", token)));
        Assert.All(burst, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{r.StatusCode}"));
        var served = burst.Count(r => r.StatusCode == HttpStatusCode.OK);
        using var after = await client.GetWithSessionAsync("/dashboard", token);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(served + 1, (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("visits").GetInt64());
    }

    private static IEnumerable<(HttpMethod Method, string Path, HttpContent? Body)> Requests(TestUser user) =>
    [
        (HttpMethod.Get, "/profile", null),
        (HttpMethod.Get, "/dashboard", null),
        (HttpMethod.Post, "/login", JsonContent.Create(new { user.Email, user.Password })),
        (HttpMethod.Get, "/sessions", null),
        (HttpMethod.Post, "/logout", null),
        (HttpMethod.Get, "/health/ready", null),
        (HttpMethod.Get, "/session", null),
        (HttpMethod.Post, "/register", JsonContent.Create(new { email = $"new-{Guid.NewGuid():N}@example.com", name = "New", password = "a long enough password" })),
        (HttpMethod.Post, "/password/forgot", JsonContent.Create(new { email = user.Email })),
        (HttpMethod.Post, "/email/verify/resend", JsonContent.Create(new { email = user.Email })),
        (HttpMethod.Post, "/password/reset", JsonContent.Create(new { token = new string('A', 43), newPassword = "a long enough password" })),
        (HttpMethod.Post, "/email/verify", JsonContent.Create(new { token = new string('A', 43) })),
        (HttpMethod.Post, "/login", JsonContent.Create(new { user.Email, user.Password, twoFactorCode = "123456" })),
        (HttpMethod.Get, "/profile/2fa", null),
        (HttpMethod.Post, "/profile/2fa/setup", JsonContent.Create(new { currentPassword = user.Password })),
        (HttpMethod.Post, "/profile/2fa/enable", JsonContent.Create(new { code = "123456" })),
        (HttpMethod.Post, "/profile/2fa/disable", JsonContent.Create(new { currentPassword = user.Password, code = "123456" })),
        (HttpMethod.Post, "/profile/2fa/recovery-codes", JsonContent.Create(new { currentPassword = user.Password, code = "123456" })),
    ];

    private static async Task EventuallyOkAsync(HttpClient client, string token)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpStatusCode status;
        do
        {
            using var response = await client.GetWithSessionAsync("/profile", token);
            status = response.StatusCode;
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"got {status} while recovering");
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(200);
            }
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
