using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Sessions;

public sealed class FastHeartbeatFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Session:Cache:Enabled"] = "true",
        ["Session:Cache:HeartbeatInterval"] = "00:00:00.050",
    };
}

/// <summary>The listener against a real PostgreSQL: its heartbeat is what lets the cache serve at all.</summary>
public sealed class SessionCacheListenerTests(FastHeartbeatFixture api) : IClassFixture<FastHeartbeatFixture>
{
    [Fact]
    public async Task The_heartbeat_keeps_coming_back_so_the_cache_keeps_serving()
    {
        var cache = api.Factory.Services.GetRequiredService<SessionCache>();
        await MailTesting.EventuallyAsync(() => cache.IsServing, "the listener's first heartbeat");

        // Each wait for the next heartbeat ends at a different fraction of a millisecond: a rest Npgsql rounds down to
        // zero once stalled the listener for good (and the cache with it), within a few dozen heartbeats.
        for (var i = 0; i < 50; i++)
        {
            var next = cache.HeartbeatsHeard;
            await MailTesting.EventuallyAsync(() => cache.HeartbeatsHeard > next, $"heartbeat {i + 1} after the first", TimeSpan.FromSeconds(5));
        }

        // And on time: 40 are due in 2 s, and the cache serves while the last is under 75 ms old. These bounds held
        // under two extra busy loops on the 2 cores.
        var heard = cache.HeartbeatsHeard;
        var notServing = 0;
        for (var i = 0; i < 100; i++)
        {
            await Task.Delay(20);
            notServing += cache.IsServing ? 0 : 1;
        }
        Assert.True(cache.HeartbeatsHeard - heard >= 20, $"{cache.HeartbeatsHeard - heard} heartbeats in 2 s at one per 50 ms");
        Assert.True(notServing <= 10, $"not serving at {notServing} of 100 looks");
    }
}
