using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Api.Tests.Reliability;

/// <summary>
/// The listener's connection is lost while readers keep hitting cached sessions, and the sessions are deleted while no
/// listener can hear it: the listener logs in as a role of its own, which the test bars from logging in until after the
/// delete, so the notification is gone for good and only the emptied cache, its bypass and the generation check keep a
/// deleted session from being served. Any 200 to a read that began after the delete committed is a stale read.
/// </summary>
[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
public sealed class SessionCacheListenerLossTests(ITestOutputHelper output)
{
    private const int Victims = 20;

    [Fact]
    public async Task After_the_listeners_backend_is_terminated_no_deleted_session_is_served_and_the_cache_comes_back()
    {
        var server = await PostgresServer.InstanceAsync();
        await NoStaleReadAcrossAsync(await server.CreateDatabaseAsync(), async database =>
        {
            var terminated = await TestSql.ScalarSqlAsync<int>(database, """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = @name
                """, new { name = SessionCacheListener.ApplicationName });
            Assert.Equal(1, terminated);
        });
    }

    [Fact]
    public async Task After_a_postgresql_restart_no_deleted_session_is_served_and_the_cache_comes_back()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await NoStaleReadAcrossAsync(await cluster.CreateDatabaseAsync("listener_loss"), _ => cluster.RestartServerAsync());
    }

    /// <summary>
    /// Caches <see cref="Victims"/> sessions and keeps reading them; bars the listener's role and <paramref name="loseListener"/>;
    /// once the instance noticed, deletes the sessions and reads on without the cache for a while; lets the listener back
    /// and reads on until the cache has served again for a while.
    /// </summary>
    private async Task NoStaleReadAcrossAsync(string database, Func<string, Task> loseListener)
    {
        var role = "cache_listener_" + Guid.NewGuid().ToString("N")[..8];
        await TestSql.ExecuteSqlAsync(database, $"CREATE ROLE {role} LOGIN");
        try
        {
            await using var api = new ApiFactory(database, new Dictionary<string, string?>
            {
                ["Session:Cache:Enabled"] = "true",
                ["Session:Cache:ListenConnectionString"] = new NpgsqlConnectionStringBuilder(database) { Username = role }.ConnectionString,
            });
            await NoStaleReadAcrossAsync(api, database, async () =>
            {
                await TestSql.ExecuteSqlAsync(database, $"ALTER ROLE {role} NOLOGIN");
                await loseListener(database);
            }, () => TestSql.ExecuteSqlAsync(database, $"ALTER ROLE {role} LOGIN"));
        }
        finally
        {
            await TestSql.ExecuteSqlAsync(database, $"DROP ROLE IF EXISTS {role}");
        }
    }

    private async Task NoStaleReadAcrossAsync(ApiFactory api, string database, Func<Task> loseListener, Func<Task> letListenerBack)
    {
        var cache = api.Services.GetRequiredService<SessionCache>();
        using var client = api.CreateBareClient();
        await MailTesting.EventuallyAsync(() => cache.IsServing, "the listener hears its first heartbeat");
        var victims = new List<string>();
        for (var i = 0; i < Victims; i++)
        {
            var token = await client.LoginAsync(await api.CreateUserAsync());
            await client.CacheSessionAsync(cache, token);
            victims.Add(token);
        }
        var live = await client.LoginAsync(await api.CreateUserAsync());

        long deletedAt = long.MaxValue;
        var stale = new ConcurrentQueue<string>();
        var reads = 0;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            for (var i = r; !stop.IsCancellationRequested; i++)
            {
                var began = Stopwatch.GetTimestamp();
                using var response = await client.GetWithSessionAsync("/profile", victims[i % Victims]);
                Interlocked.Increment(ref reads);
                if (response.StatusCode == HttpStatusCode.OK && began > Interlocked.Read(ref deletedAt))
                {
                    stale.Enqueue($"victim {i % Victims} served {Stopwatch.GetElapsedTime(Interlocked.Read(ref deletedAt), began).TotalMilliseconds:F1} ms after the delete");
                }
            }
        })).ToList();
        await Task.Delay(200);

        await loseListener();
        var noticed = await MailTesting.EventuallyAsync(() => !cache.IsServing && cache.Count == 0, "the instance empties and bypasses its cache");
        // A restarted server can refuse the first statements of a pool whose connections it closed.
        await MailTesting.EventuallyAsync(async () =>
        {
            try
            {
                await TestSql.ExecuteSqlAsync(database, "DELETE FROM sessions WHERE token_hash = ANY(@hashes)",
                    new { hashes = victims.Select(SecretToken.Hash).ToArray() });
                return true;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, "the database takes the delete");
        Interlocked.Exchange(ref deletedAt, Stopwatch.GetTimestamp());
        await Task.Delay(300);
        Assert.False(cache.IsServing, "the listener came back while barred: the delete may have been heard");

        await letListenerBack();
        var back = await MailTesting.EventuallyAsync(() => cache.IsServing, "the cache serves again", TimeSpan.FromSeconds(30));
        await client.AssertSessionAliveAsync(live);
        var fresh = await client.LoginAsync(await api.CreateUserAsync());
        await client.CacheSessionAsync(cache, fresh);
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        // EventuallyAsync looks every 50 ms: the times are that coarse.
        output.WriteLine($"{reads} reads; the loss noticed within {noticed.TotalMilliseconds:F0} ms; "
            + $"the cache served again {back.TotalMilliseconds:F0} ms after the listener was let back");
        Assert.Empty(stale);
        foreach (var victim in victims)
        {
            await client.AssertSessionDeadAsync(victim);
        }
    }
}
