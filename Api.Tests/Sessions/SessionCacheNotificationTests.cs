using System.Diagnostics.Metrics;
using System.Net;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Api.Tests.Sessions;

public sealed class CacheOnFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Session:Cache:Enabled"] = "true",
    };
}

/// <summary>What the triggers of migration 0011 publish, and that an instance applies it.</summary>
public sealed class SessionCacheNotificationTests(CacheOnFixture api) : IClassFixture<CacheOnFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();
    private readonly SessionCache _cache = api.Factory.Services.GetRequiredService<SessionCache>();

    [Fact]
    public async Task One_statement_deleting_450_cached_sessions_publishes_three_notifications_and_ends_every_one()
    {
        await MailTesting.EventuallyAsync(() => _cache.IsServing, "the listener hears its first heartbeat");
        var user = await api.Factory.CreateUserAsync();
        var now = api.Factory.Clock.GetUtcNow().UtcDateTime;
        var tokens = Enumerable.Range(0, 450).Select(_ => SecretToken.Create()).ToList();
        await TestSql.ExecuteSqlAsync(api.Factory.ConnectionString, """
            INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
            SELECT hash, @userId, @now, @now, @now + interval '1 day', @now + interval '30 days' FROM unnest(@hashes) AS hash
            """, new { userId = user.Id, now, hashes = tokens.Select(SecretToken.Hash).ToArray() });
        foreach (var token in tokens)
        {
            await _client.CacheSessionAsync(_cache, token);
        }
        var published = new List<string>();
        await using var listener = new NpgsqlConnection(api.Factory.ConnectionString);
        await listener.OpenAsync();
        listener.Notification += (_, e) => published.Add(e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN session_cache", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await api.Factory.ExecuteSqlAsync("DELETE FROM sessions WHERE user_id = @Id", new { user.Id });

        await MailTesting.EventuallyAsync(async () =>
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100));
            return published.Count(p => p.StartsWith("s:", StringComparison.Ordinal)) >= 3;
        }, "the test's own listener hears the deletion");
        var batches = published.Where(p => p.StartsWith("s:", StringComparison.Ordinal)).Select(p => p[2..].Split(',').Length).Order().ToList();
        Assert.Equal([50, 200, 200], batches);
        Assert.All(published, payload => Assert.True(payload.Length < 8000));
        foreach (var token in tokens)
        {
            Assert.False(_cache.Holds(SecretToken.Hash(token)));
            await _client.AssertSessionDeadAsync(token);
        }
    }

    [Fact]
    public async Task A_malformed_session_payload_empties_the_cache_rather_than_be_ignored()
    {
        await MailTesting.EventuallyAsync(() => _cache.IsServing, "the listener hears its first heartbeat");
        var token = await _client.LoginAsync(await api.Factory.CreateUserAsync());
        await _client.CacheSessionAsync(_cache, token);

        await api.Factory.ExecuteSqlAsync("SELECT pg_notify('session_cache', 's:' || gen_random_uuid() || ',not-an-id')");

        Assert.False(_cache.Holds(SecretToken.Hash(token)));
        using var response = await _client.GetWithSessionAsync("/profile", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Npgsql logs and swallows what a notification handler throws. Here the first eviction of a two-session deletion
    /// throws (from a metrics listener: the product has no other way to fail there), so the second session would stay
    /// cached, still served after its row is gone, unless the failed notification empties the whole cache.
    /// </summary>
    [Fact]
    public async Task A_notification_that_fails_half_way_empties_the_cache_rather_than_leave_the_rest_served()
    {
        await MailTesting.EventuallyAsync(() => _cache.IsServing, "the listener hears its first heartbeat");
        var user = await api.Factory.CreateUserAsync();
        var victims = new[] { await _client.LoginAsync(user), await _client.LoginAsync(user) };
        var bystander = await _client.LoginAsync(await api.Factory.CreateUserAsync());
        foreach (var token in victims.Append(bystander))
        {
            await _client.CacheSessionAsync(_cache, token);
        }
        var meterFactory = api.Factory.Services.GetRequiredService<IMeterFactory>();
        var thrown = 0;
        using var failing = new MeterListener();
        failing.InstrumentPublished = (instrument, listener) =>
        {
            // Only this fixture's instance: other test classes' instances have meters of the same name.
            if (instrument.Meter.Scope == meterFactory && instrument.Name == "auth.session_cache.evictions")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        failing.SetMeasurementEventCallback<long>((_, _, _, _) =>
        {
            if (Interlocked.Exchange(ref thrown, 1) == 0)
            {
                throw new InvalidOperationException("an eviction failed half-way through a notification");
            }
        });
        failing.Start();

        await api.Factory.ExecuteSqlAsync("DELETE FROM sessions WHERE user_id = @Id", new { user.Id });

        Assert.Equal(1, thrown);
        Assert.All(victims, token => Assert.False(_cache.Holds(SecretToken.Hash(token))));
        Assert.False(_cache.Holds(SecretToken.Hash(bystander)), "the cache was not emptied");
        foreach (var token in victims)
        {
            await _client.AssertSessionDeadAsync(token);
        }
        await _client.AssertSessionAliveAsync(bystander);
    }
}
