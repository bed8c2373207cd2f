using Api.Tests.Infrastructure;
using Api.Tests.Sessions;
using Xunit.Abstractions;

namespace Api.Tests.Reliability;

/// <summary>
/// What a full cache holds on to, with realistic sessions (their strings their own, as read from PostgreSQL): the
/// figure behind Session:Cache:MaxEntries's advice. It runs alone, so the process's heap is its own to measure.
/// </summary>
[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
public sealed class SessionCacheMemoryTests(ITestOutputHelper output)
{
    private const int Entries = 100_000;

    [Fact]
    public void A_full_cache_of_100000_sessions_takes_under_a_kilobyte_and_a_half_each()
    {
        var clock = new TestClock();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var sessions = Enumerable.Range(0, Entries).Select(i => SessionCacheLab.Session(clock, i, $"Firstname Lastname {i}")).ToList();
        var withSessions = GC.GetTotalMemory(forceFullCollection: true);
        var cache = SessionCacheLab.ServingCache(clock, maxEntries: Entries);
        foreach (var session in sessions)
        {
            cache.Add(SessionCacheLab.Hash(), session, cache.Generation);
        }
        sessions = null;
        var full = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(Entries, cache.Count);
        var perEntry = (full - before) / (double)Entries;
        var perSession = (withSessions - before) / (double)Entries;
        output.WriteLine($"{Entries:N0} entries: {perEntry:F0} B each, of which {perSession:F0} B the session and its strings, "
            + $"{perEntry - perSession:F0} B the cache's own structures (key, entry, age list, session and user indexes)");
        Assert.InRange(perEntry, perSession, 1536);
        GC.KeepAlive(cache);
    }
}
