using System.Collections.Concurrent;
using System.Diagnostics;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Api.Tests.Sessions;

/// <summary>The timer never fires during these tests, so the tests' own cleanup runs are the only ones.</summary>
public sealed class CleanupFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Session:CleanupBatchSize"] = "7",
        ["Session:CleanupInterval"] = "01:00:00",
    };
}

public sealed class FrequentCleanupFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Session:CleanupInterval"] = "00:00:00.200",
    };
}

public sealed class SessionCleanupTests(CleanupFixture api) : IClassFixture<CleanupFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Cleanup_deletes_every_expired_session_in_batches_and_keeps_live_ones()
    {
        var user = await api.Factory.CreateUserAsync();
        var now = api.Factory.Clock.GetUtcNow().UtcDateTime;
        await SessionSeeding.InsertExpiredAsync(api.Factory.ConnectionString, 23, now, user.Id);
        await SessionSeeding.InsertExpiredAsync(api.Factory.ConnectionString, 5, now, user.Id, capped: true);
        var live = await _client.LoginAsync(user);
        var cleanup = api.Factory.Services.GetRequiredService<SessionCleanup>();

        var deleted = await cleanup.RunOnceAsync(CancellationToken.None);

        Assert.Equal(28, deleted);
        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>(
            "SELECT count(*) FROM sessions WHERE expires_at <= @now OR absolute_expires_at <= @now", new { now }));
        Assert.Equal(1, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id }));
        using var stillLive = await _client.GetWithSessionAsync("/profile", live);
        Assert.Equal(System.Net.HttpStatusCode.OK, stillLive.StatusCode);
    }

    [Fact]
    public async Task Cleanups_running_at_once_delete_each_row_once_and_never_block_each_other()
    {
        var user = await api.Factory.CreateUserAsync();
        await SessionSeeding.InsertExpiredAsync(api.Factory.ConnectionString, 500, api.Factory.Clock.GetUtcNow().UtcDateTime, user.Id);
        var cleanup = api.Factory.Services.GetRequiredService<SessionCleanup>();

        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => cleanup.RunOnceAsync(CancellationToken.None))));

        Assert.Equal(500, counts.Sum());
        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id }));
    }

    [Fact]
    public async Task Cleanup_rests_after_each_full_batch_as_long_as_the_batch_took()
    {
        var user = await api.Factory.CreateUserAsync();
        await SessionSeeding.InsertExpiredAsync(api.Factory.ConnectionString, 23, api.Factory.Clock.GetUtcNow().UtcDateTime, user.Id);
        var pauses = new PauseRecorder();
        var cleanup = new SessionCleanup(
            api.Factory.Services.GetRequiredService<SessionStore>(), pauses, api.Factory.Services.GetRequiredService<IOptions<SessionOptions>>());

        var started = Stopwatch.GetTimestamp();
        Assert.Equal(23, await cleanup.RunOnceAsync(CancellationToken.None));
        var elapsed = Stopwatch.GetElapsedTime(started);

        // Three full batches of 7, then a short one that ends the run without a rest.
        Assert.Equal(3, pauses.Requested.Count);
        Assert.All(pauses.Requested, pause => Assert.Equal(TimeSpan.FromMilliseconds(5), pause));
        var rested = TimeSpan.FromTicks(pauses.Requested.Sum(pause => pause.Ticks));
        Assert.True(elapsed >= rested, $"{elapsed} in all, for rests of {rested}");
    }

    /// <summary>
    /// Real timers, with every timer's due time written down (Task.Delay makes one per rest), and a stopwatch on which
    /// each reading is 5 ms after the one before: every batch seems to take 5 ms, above Task.Delay's 1 ms resolution,
    /// whatever the machine's speed.
    /// </summary>
    private sealed class PauseRecorder : TimeProvider
    {
        private long _timestamp;

        public ConcurrentQueue<TimeSpan> Requested { get; } = new();

        public override long GetTimestamp() => Interlocked.Add(ref _timestamp, TimestampFrequency / 200);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Requested.Enqueue(dueTime);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}

public sealed class SessionCleanupServiceTests(FrequentCleanupFixture api) : IClassFixture<FrequentCleanupFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task The_cleanup_service_runs_on_its_own_every_interval()
    {
        var user = await api.Factory.CreateUserAsync();
        await _client.LoginAsync(user);
        api.Factory.Clock.Advance(TimeSpan.FromDays(2));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int remaining;
        do
        {
            await Task.Delay(100);
            remaining = await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id });
        }
        while (remaining > 0 && DateTime.UtcNow < deadline);

        Assert.Equal(0, remaining);
    }
}
