using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Api.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Api.Tests.Reliability;

/// <summary>
/// Mixed traffic from many clients through two API processes while PostgreSQL restarts once, then an audit: nothing
/// lost, nothing leaked. SOAK_SECONDS sets the length (default 60).
/// </summary>
[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
public sealed class SoakTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Workers = 12;
    private const int MaxPoolSize = 20;
    private LocalCluster? _cluster;
    private string _database = "";
    private readonly List<ApiProcess> _apis = [];

    public async Task InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync();
        _database = new NpgsqlConnectionStringBuilder(await _cluster.CreateDatabaseAsync("soak")) { MaxPoolSize = MaxPoolSize }.ConnectionString;
        // Migrated with patient timeouts first: a cluster that has just started can be slow to accept its first
        // connections on a busy machine. The instances under test run on short ones.
        await using (var setup = new ApiFactory(_database))
        {
            _ = setup.Services;
        }
        var settings = new Dictionary<string, string>
        {
            ["Database:ConnectTimeout"] = "00:00:02",
            ["Database:CommandTimeout"] = "00:00:02",
            ["Database:MigrateOnStartup"] = "false",
        };
        _apis.Add(ApiProcess.Start(_database, settings));
        await _apis[0].WaitUntilLiveAsync();
        _apis.Add(ApiProcess.Start(_database, settings));
        await _apis[1].WaitUntilLiveAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Mixed_traffic_through_a_database_restart_loses_nothing_and_leaks_nothing()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("SOAK_SECONDS"), out var s) ? s : 60;
        var statuses = new ConcurrentDictionary<int, int>();
        var problems = new ConcurrentQueue<string>();
        var clients = _apis.Select(api => api.CreateClient()).ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, Workers).Select(i => new Worker(i, clients, statuses, problems)).ToList();

        var restart = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds / 2.0));
            await _cluster!.RestartServerAsync();
        });
        await Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(deadline))).Append(restart));
        await WaitUntilReadyAsync(clients);

        output.WriteLine($"requests by status: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"))}");
        Assert.Empty(problems);
        Assert.True(statuses.Keys.All(status => status is 200 or 201 or 204 or 503), string.Join(", ", statuses.Keys));
        Assert.True(statuses.Values.Sum() > 500, $"only {statuses.Values.Sum()} requests");

        foreach (var worker in workers)
        {
            foreach (var held in worker.Live)
            {
                await clients[0].AssertSessionAliveAsync(held.Token);
                var visits = await TestSql.ScalarSqlAsync<long?>(
                    _database, "SELECT (data ->> 'visits')::bigint FROM sessions WHERE token_hash = @hash", new { hash = SHA256.HashData(Encoding.ASCII.GetBytes(held.Token)) });
                Assert.Equal(held.Visits, visits ?? 0);
            }
            // Revoked through either process, the last of them moments ago.
            foreach (var token in worker.Revoked)
            {
                await clients[1].AssertSessionEndsAsync(token);
            }
        }
        output.WriteLine($"live sessions checked: {workers.Sum(w => w.Live.Count)}, revoked: {workers.Sum(w => w.Revoked.Count)}, uncertain: {workers.Sum(w => w.Uncertain)}");

        await Task.Delay(1000);
        var (active, total) = Assert.Single(await TestSql.QuerySqlAsync<(long, long)>(_database, """
            SELECT count(*) FILTER (WHERE state <> 'idle'), count(*)
            FROM pg_stat_activity WHERE application_name = 'session-auth-api'
            """));
        output.WriteLine($"API connections after the run: {total} ({active} busy)");
        Assert.Equal(0, active);
        Assert.True(total <= MaxPoolSize * _apis.Count, $"{total} connections");
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static async Task WaitUntilReadyAsync(HttpClient[] clients)
    {
        foreach (var client in clients)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                using var ready = await client.GetAsync("/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > deadline)
                {
                    break;
                }
                await Task.Delay(200);
            }
        }
    }

    private sealed class Held(string token)
    {
        public string Token { get; } = token;
        public long Visits { get; set; }
    }

    /// <summary>One client: its own account, a few sessions, and a record of what the server told it.</summary>
    private sealed class Worker(int id, HttpClient[] clients, ConcurrentDictionary<int, int> statuses, ConcurrentQueue<string> problems)
    {
        private readonly Random _random = new(id);
        private readonly string _email = $"soak-{id}-{Guid.NewGuid():N}@example.com";
        private const string Password = "soak test password";

        public List<Held> Live { get; } = [];
        public List<string> Revoked { get; } = [];

        /// <summary>Sessions whose fate a 503 left unknown (a logout that may or may not have happened).</summary>
        public int Uncertain { get; private set; }

        public async Task RunAsync(DateTime deadline)
        {
            using (var register = await clients[0].PostAsJsonAsync("/register", new { email = _email, name = "Soak", password = Password }))
            {
                Record(register, HttpStatusCode.Created);
                Live.Add(new Held(ApiClient.SessionTokenFrom(register)!));
            }
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    await StepAsync();
                }
                catch (HttpRequestException e)
                {
                    problems.Enqueue($"worker {id}: {e.Message}");
                }
            }
        }

        private async Task StepAsync()
        {
            var client = clients[_random.Next(clients.Length)];
            var roll = _random.NextDouble();
            if (Live.Count == 0 || (roll < 0.15 && Live.Count < 6))
            {
                using var login = await client.PostLoginAsync(_email, Password);
                if (Record(login, HttpStatusCode.OK))
                {
                    Live.Add(new Held(ApiClient.SessionTokenFrom(login)!));
                }
                return;
            }
            var held = Live[_random.Next(Live.Count)];
            if (roll < 0.50)
            {
                using var profile = await client.GetWithSessionAsync("/profile", held.Token);
                Record(profile, HttpStatusCode.OK);
            }
            else if (roll < 0.88)
            {
                using var dashboard = await client.GetWithSessionAsync("/dashboard", held.Token);
                if (Record(dashboard, HttpStatusCode.OK))
                {
                    held.Visits++;
                }
            }
            else if (roll < 0.97)
            {
                using var logout = await client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"__Host-sid={held.Token}");
                Live.Remove(held);
                if (Record(logout, HttpStatusCode.NoContent))
                {
                    Revoked.Add(held.Token);
                }
                else
                {
                    Uncertain++;
                }
            }
            else
            {
                using var revoke = await client.SendWithCookieAsync(HttpMethod.Delete, "/sessions", $"__Host-sid={held.Token}");
                var others = Live.Where(h => h != held).ToList();
                Live.RemoveAll(h => h != held);
                if (Record(revoke, HttpStatusCode.OK))
                {
                    Revoked.AddRange(others.Select(h => h.Token));
                }
                else
                {
                    Uncertain += others.Count;
                }
            }
        }

        /// <summary>True for the expected success; a 503 is allowed (the database restarts); anything else is a problem.</summary>
        private bool Record(HttpResponseMessage response, HttpStatusCode expected)
        {
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            if (response.StatusCode == expected)
            {
                return true;
            }
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                problems.Enqueue($"worker {id}: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}, expected {(int)expected}");
            }
            return false;
        }
    }
}
