using System.Diagnostics.Metrics;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Sessions;

/// <summary>The cache's own rules, without a database: what goes in, what comes out, and when it serves at all.</summary>
public sealed class SessionCacheTests
{
    private readonly TestClock _clock = new();

    [Fact]
    public void Nothing_is_served_before_the_listener_has_heard_its_first_heartbeat()
    {
        var cache = Cache();
        var hash = Hash();

        cache.Add(hash, Session(1), cache.Generation);
        Assert.False(cache.TryGet(hash, out _));

        cache.Listening();
        cache.Add(hash, Session(1), cache.Generation);
        Assert.False(cache.TryGet(hash, out _));

        cache.Heartbeat();
        cache.Add(hash, Session(1), cache.Generation);
        Assert.True(cache.TryGet(hash, out var found));
        Assert.Equal(1, found.UserId);
    }

    [Fact]
    public void A_lookup_that_started_before_an_invalidation_cannot_put_its_answer_in_afterwards()
    {
        var invalidations = new (string Name, Action<SessionCache> Invalidate)[]
        {
            ("session", cache => cache.EvictSession(Guid.NewGuid(), SessionCacheEviction.Notified)),
            ("user", cache => cache.EvictUser(99, SessionCacheEviction.Notified)),
            ("token", cache => cache.EvictToken(Hash(), SessionCacheEviction.Changed)),
            ("clear", cache => cache.Clear(SessionCacheEviction.Notified)),
        };
        foreach (var (name, invalidate) in invalidations)
        {
            var cache = ServingCache();
            var hash = Hash();
            var generation = cache.Generation;

            invalidate(cache);
            cache.Add(hash, Session(1), generation);

            Assert.False(cache.TryGet(hash, out _), name);
            cache.Add(hash, Session(1), cache.Generation);
            Assert.True(cache.TryGet(hash, out _), name);
        }
    }

    [Fact]
    public void A_lookup_that_started_before_the_listener_was_lost_and_back_cannot_put_its_answer_in()
    {
        var cache = ServingCache();
        var hash = Hash();
        var generation = cache.Generation;

        cache.ListenerLost();
        cache.Listening();
        cache.Heartbeat();
        cache.Add(hash, Session(1), generation);

        Assert.False(cache.TryGet(hash, out _));
    }

    [Fact]
    public void Evicting_a_user_drops_all_their_sessions_and_no_one_elses()
    {
        var cache = ServingCache();
        var (first, second, stranger) = (Hash(), Hash(), Hash());
        cache.Add(first, Session(1), cache.Generation);
        cache.Add(second, Session(1), cache.Generation);
        cache.Add(stranger, Session(2), cache.Generation);

        cache.EvictUser(1, SessionCacheEviction.Notified);

        Assert.False(cache.TryGet(first, out _));
        Assert.False(cache.TryGet(second, out _));
        Assert.True(cache.TryGet(stranger, out _));
    }

    [Fact]
    public void Evicting_a_session_by_its_id_drops_only_that_session()
    {
        var cache = ServingCache();
        var (victim, sibling) = (Hash(), Hash());
        var session = Session(1);
        cache.Add(victim, session, cache.Generation);
        cache.Add(sibling, Session(1), cache.Generation);

        cache.EvictSession(session.SessionId, SessionCacheEviction.Notified);

        Assert.False(cache.TryGet(victim, out _));
        Assert.True(cache.TryGet(sibling, out _));
    }

    [Fact]
    public void A_full_cache_makes_room_by_dropping_what_it_has_held_longest()
    {
        var cache = ServingCache(maxEntries: 2);
        var (oldest, middle, newest) = (Hash(), Hash(), Hash());
        cache.Add(oldest, Session(1), cache.Generation);
        cache.Add(middle, Session(2), cache.Generation);

        cache.Add(newest, Session(3), cache.Generation);

        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet(oldest, out _));
        Assert.True(cache.TryGet(middle, out _));
        Assert.True(cache.TryGet(newest, out _));
        // The dropped session's user has no entry left to evict, and its id none to find.
        cache.EvictUser(1, SessionCacheEviction.Notified);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void An_entry_is_read_again_after_max_age_whatever_the_notifications_said()
    {
        var cache = ServingCache(maxAge: TimeSpan.FromMinutes(5));
        var hash = Hash();
        cache.Add(hash, Session(1), cache.Generation);

        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet(hash, out _));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet(hash, out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_session_whose_token_changed_keeps_one_entry_and_its_eviction_finds_it()
    {
        var cache = ServingCache();
        var (oldToken, newToken) = (Hash(), Hash());
        var session = Session(1);
        cache.Add(oldToken, session, cache.Generation);

        cache.Add(newToken, session with { }, cache.Generation);
        Assert.False(cache.TryGet(oldToken, out _));
        cache.EvictSession(session.SessionId, SessionCacheEviction.Notified);

        Assert.False(cache.TryGet(newToken, out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_session_cached_as_expired_is_not_served_but_read_again()
    {
        var cache = ServingCache();
        var hash = Hash();
        cache.Add(hash, Session(1), cache.Generation);

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.False(cache.TryGet(hash, out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_lost_listener_empties_the_cache_and_it_stays_bypassed_until_the_first_heartbeat_after_listening_again()
    {
        var cache = ServingCache();
        var hash = Hash();
        cache.Add(hash, Session(1), cache.Generation);

        cache.ListenerLost();
        Assert.Equal(0, cache.Count);
        Assert.False(cache.IsServing);
        cache.Listening();
        Assert.False(cache.IsServing);
        cache.Heartbeat();
        Assert.True(cache.IsServing);
        Assert.False(cache.TryGet(hash, out _));
    }

    [Fact]
    public async Task A_late_heartbeat_bypasses_the_cache_until_one_arrives_and_the_time_is_counted()
    {
        var cache = ServingCache(heartbeat: TimeSpan.FromMilliseconds(50));
        var hash = Hash();
        cache.Add(hash, Session(1), cache.Generation);
        Assert.True(cache.TryGet(hash, out _));
        var bypassedBefore = cache.BypassedFor();

        // Half an interval more than one interval is late.
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.False(cache.IsServing);
        Assert.False(cache.TryGet(hash, out _));

        cache.Heartbeat();
        Assert.True(cache.TryGet(hash, out _));
        Assert.True(cache.BypassedFor() - bypassedBefore > TimeSpan.Zero);
    }

    [Fact]
    public void A_slid_expiry_replaces_the_entry_only_while_it_is_still_the_one_that_was_read()
    {
        var cache = ServingCache();
        var hash = Hash();
        var read = Session(1);
        cache.Add(hash, read, cache.Generation);
        var slid = read with { ExpiresAt = read.ExpiresAt.AddHours(1) };

        cache.Replace(hash, read, slid);
        Assert.True(cache.TryGet(hash, out var found));
        Assert.Equal(slid.ExpiresAt, found.ExpiresAt);

        cache.EvictUser(1, SessionCacheEviction.Notified);
        cache.Replace(hash, slid, slid with { ExpiresAt = slid.ExpiresAt.AddHours(1) });
        Assert.False(cache.TryGet(hash, out _));
    }

    [Fact]
    public void Hits_misses_and_evictions_are_counted_on_the_product_meter()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var metrics = new ApiMetrics(meterFactory);
        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Tests running beside this one have meters of the same name; only this factory's count.
            if (instrument.Meter.Scope == meterFactory && instrument.Name.StartsWith("auth.session_cache.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tag = tags.Length > 0 ? $"{{{tags[0].Value}}}" : "";
            counted[instrument.Name + tag] = counted.GetValueOrDefault(instrument.Name + tag) + value;
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => counted[instrument.Name] = (long)Math.Ceiling(value * 1000));
        listener.Start();
        var cache = ServingCache(metrics: metrics);
        var hash = Hash();

        cache.TryGet(hash, out _);
        cache.Add(hash, Session(1), cache.Generation);
        cache.TryGet(hash, out _);
        cache.EvictUser(1, SessionCacheEviction.Notified);
        cache.ListenerLost();
        cache.TryGet(hash, out _);
        listener.RecordObservableInstruments();

        Assert.Equal(1, counted["auth.session_cache.hits"]);
        Assert.Equal(1, counted["auth.session_cache.misses{absent}"]);
        Assert.Equal(1, counted["auth.session_cache.misses{bypassed}"]);
        Assert.Equal(1, counted["auth.session_cache.evictions{notified}"]);
        Assert.Equal(0, counted["auth.session_cache.entries"]);
        Assert.True(counted["auth.session_cache.bypass_time"] > 0);
    }

    private SessionCache ServingCache(int maxEntries = 100, TimeSpan? maxAge = null, TimeSpan? heartbeat = null, ApiMetrics? metrics = null) =>
        SessionCacheLab.ServingCache(_clock, maxEntries, maxAge, heartbeat, metrics);

    private SessionCache Cache(int maxEntries = 100, TimeSpan? maxAge = null, TimeSpan? heartbeat = null, ApiMetrics? metrics = null) =>
        SessionCacheLab.Cache(_clock, maxEntries, maxAge, heartbeat, metrics);

    private static byte[] Hash() => SessionCacheLab.Hash();

    private AuthenticatedSession Session(long userId) => SessionCacheLab.Session(_clock, userId);
}
