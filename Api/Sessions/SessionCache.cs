using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Sessions;

/// <summary>
/// The sessions this instance looked up lately, keyed by token hash, so that an authenticated read needs no SQL.
/// An entry is dropped when PostgreSQL says it changed (<see cref="SessionCacheListener"/>, fed by the triggers of
/// migration 0011), when this instance changed it itself, after <see cref="SessionCacheOptions.MaxAge"/>, or to make
/// room. The cache answers only while the listener is connected and its heartbeat is on time; otherwise every lookup
/// goes to PostgreSQL.
/// Hand-written rather than on MemoryCache: an entry may go in only if no invalidation happened since its lookup
/// started (the generation), and entries are dropped by session id and by user id, which MemoryCache cannot index.
/// </summary>
public sealed class SessionCache
{
    private readonly ConcurrentDictionary<TokenKey, Entry> _entries = new();
    // Everything below, and every change to _entries, is guarded by _gate; reads of _entries are lock-free.
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, TokenKey> _bySession = [];
    private readonly Dictionary<long, HashSet<TokenKey>> _byUser = [];
    private readonly LinkedList<TokenKey> _byAge = new();
    private readonly SessionCacheOptions _settings;
    private readonly TimeProvider _time;
    private readonly ApiMetrics _metrics;
    private readonly long _heartbeatLimit;
    private long _generation;
    private bool _listening;
    private long _lastHeartbeat;
    private long _bypassingSince;
    private long _bypassedTicks;
    private long _heartbeatsHeard;

    public SessionCache(IOptions<SessionCacheOptions> options, TimeProvider time, ApiMetrics metrics)
    {
        _settings = options.Value;
        _time = time;
        _metrics = metrics;
        // Heartbeats are about real time: the TimeProvider is the product's clock, which tests move by hand.
        _heartbeatLimit = (long)(_settings.HeartbeatInterval.TotalSeconds * 1.5 * TimeProvider.System.TimestampFrequency);
        _bypassingSince = TimeProvider.System.GetTimestamp();
        if (_settings.Enabled)
        {
            metrics.ObserveSessionCache(() => _entries.Count, () => BypassedFor().TotalSeconds);
        }
    }

    public bool Enabled => _settings.Enabled;

    /// <summary>The payload of this instance's heartbeats, which no other instance sends.</summary>
    internal string HeartbeatPayload { get; } = "h:" + Guid.NewGuid().ToString("N");

    /// <summary>Heartbeats heard so far: one more means every notification committed before it was sent has been applied.</summary>
    internal long HeartbeatsHeard => Interlocked.Read(ref _heartbeatsHeard);

    /// <summary>
    /// Read before a lookup goes to PostgreSQL, and handed to <see cref="Add"/> with its answer: any invalidation in
    /// between moves it on, and the answer, possibly read before that change, stays out.
    /// </summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>Whether lookups may be answered from here right now: listening, with the last heartbeat on time.</summary>
    public bool IsServing
    {
        get
        {
            if (!_settings.Enabled)
            {
                return false;
            }
            if (Volatile.Read(ref _listening) && TimeProvider.System.GetTimestamp() - Volatile.Read(ref _lastHeartbeat) <= _heartbeatLimit)
            {
                return true;
            }
            Interlocked.CompareExchange(ref _bypassingSince, TimeProvider.System.GetTimestamp(), 0);
            return false;
        }
    }

    /// <summary>
    /// The cached session for the token hash, if the cache serves and holds one younger than MaxAge that has not expired
    /// by its cached expiry. One that has is dropped: another instance may have slid it, so only the database can say.
    /// </summary>
    public bool TryGet(byte[] tokenHash, out AuthenticatedSession session)
    {
        session = null!;
        if (!IsServing)
        {
            _metrics.SessionCacheMiss(SessionCacheMiss.Bypassed);
            return false;
        }
        var key = new TokenKey(tokenHash);
        if (!_entries.TryGetValue(key, out var entry))
        {
            _metrics.SessionCacheMiss(SessionCacheMiss.Absent);
            return false;
        }
        var now = _time.GetUtcNow().UtcDateTime;
        if (now - entry.CachedAt >= _settings.MaxAge)
        {
            Drop(key, entry, SessionCacheEviction.MaxAge);
            _metrics.SessionCacheMiss(SessionCacheMiss.MaxAge);
            return false;
        }
        if (entry.Session.IsExpiredAt(now))
        {
            Drop(key, entry, SessionCacheEviction.Expired);
            _metrics.SessionCacheMiss(SessionCacheMiss.Expired);
            return false;
        }
        _metrics.SessionCacheHit();
        session = entry.Session;
        return true;
    }

    /// <summary>
    /// Keeps a session just read from PostgreSQL, unless an invalidation came after <paramref name="generation"/> was
    /// read or the cache does not serve.
    /// </summary>
    public void Add(byte[] tokenHash, AuthenticatedSession session, long generation)
    {
        if (!IsServing)
        {
            return;
        }
        var key = new TokenKey(tokenHash);
        lock (_gate)
        {
            if (generation != _generation)
            {
                return;
            }
            if (_entries.TryGetValue(key, out var old))
            {
                Unlink(key, old);
            }
            // One entry per session: a session whose token changed (by hand: the API never rotates a row's token) must
            // not keep its old token's entry where the session's eviction cannot find it.
            if (_bySession.TryGetValue(session.SessionId, out var otherKey) && _entries.TryGetValue(otherKey, out var other))
            {
                Unlink(otherKey, other);
            }
            while (_entries.Count >= _settings.MaxEntries && _byAge.First is { } oldest)
            {
                Unlink(oldest.Value, _entries[oldest.Value]);
                _metrics.SessionCacheEvicted(SessionCacheEviction.Capacity, 1);
            }
            var node = _byAge.AddLast(key);
            _entries[key] = new Entry(session, _time.GetUtcNow().UtcDateTime, node);
            _bySession[session.SessionId] = key;
            if (!_byUser.TryGetValue(session.UserId, out var keys))
            {
                _byUser[session.UserId] = keys = [];
            }
            keys.Add(key);
        }
    }

    /// <summary>
    /// After this instance slid the session's expiry: the entry <paramref name="seen"/> becomes <paramref name="now"/>,
    /// unless it was dropped or replaced meanwhile. The entry keeps its age: MaxAge counts from the read.
    /// </summary>
    public void Replace(byte[] tokenHash, AuthenticatedSession seen, AuthenticatedSession now)
    {
        var key = new TokenKey(tokenHash);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && ReferenceEquals(entry.Session, seen))
            {
                _entries[key] = entry with { Session = now };
            }
        }
    }

    /// <summary>Drops the entry of the token hash if it still holds <paramref name="seen"/> (any entry when null).</summary>
    public void Remove(byte[] tokenHash, AuthenticatedSession? seen = null)
    {
        var key = new TokenKey(tokenHash);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && (seen is null || ReferenceEquals(entry.Session, seen)))
            {
                Unlink(key, entry);
            }
        }
    }

    /// <summary>The session of this token hash ended: its entry goes, and no lookup already under way may put it back.</summary>
    public void EvictToken(byte[] tokenHash, SessionCacheEviction reason)
    {
        var key = new TokenKey(tokenHash);
        lock (_gate)
        {
            _generation++;
            if (_entries.TryGetValue(key, out var entry))
            {
                Unlink(key, entry);
                _metrics.SessionCacheEvicted(reason, 1);
            }
        }
    }

    /// <summary>A session changed or ended: its entry goes, and no lookup already under way may put it back.</summary>
    public void EvictSession(Guid sessionId, SessionCacheEviction reason)
    {
        lock (_gate)
        {
            _generation++;
            if (_bySession.TryGetValue(sessionId, out var key))
            {
                Unlink(key, _entries[key]);
                _metrics.SessionCacheEvicted(reason, 1);
            }
        }
    }

    /// <summary>What a lookup returns about the user changed: all of their entries go.</summary>
    public void EvictUser(long userId, SessionCacheEviction reason)
    {
        lock (_gate)
        {
            _generation++;
            if (_byUser.TryGetValue(userId, out var keys))
            {
                var count = keys.Count;
                foreach (var key in keys.ToArray())
                {
                    Unlink(key, _entries[key]);
                }
                _metrics.SessionCacheEvicted(reason, count);
            }
        }
    }

    /// <summary>Everything goes (a truncated table).</summary>
    public void Clear(SessionCacheEviction reason)
    {
        lock (_gate)
        {
            _generation++;
            var count = _entries.Count;
            _entries.Clear();
            _bySession.Clear();
            _byUser.Clear();
            _byAge.Clear();
            _metrics.SessionCacheEvicted(reason, count);
        }
    }

    /// <summary>The listener is LISTENing again: the cache serves from the first heartbeat on.</summary>
    internal void Listening()
    {
        lock (_gate)
        {
            _generation++;
            Volatile.Write(ref _lastHeartbeat, long.MinValue / 2);
            Volatile.Write(ref _listening, true);
        }
    }

    /// <summary>
    /// The listener lost its connection: whatever changed meanwhile is unknown, so everything goes and the cache stays
    /// bypassed until the listener is back and its first heartbeat arrives.
    /// </summary>
    internal void ListenerLost()
    {
        Volatile.Write(ref _listening, false);
        Interlocked.CompareExchange(ref _bypassingSince, TimeProvider.System.GetTimestamp(), 0);
        Clear(SessionCacheEviction.ListenerLost);
    }

    /// <summary>This instance's own heartbeat came back: every notification committed before it has been applied.</summary>
    internal void Heartbeat()
    {
        var now = TimeProvider.System.GetTimestamp();
        Volatile.Write(ref _lastHeartbeat, now);
        Interlocked.Increment(ref _heartbeatsHeard);
        var since = Interlocked.Exchange(ref _bypassingSince, 0);
        if (since != 0)
        {
            Interlocked.Add(ref _bypassedTicks, now - since);
        }
    }

    /// <summary>How long, in all, the cache has been bypassed since the instance started (before its first heartbeat too).</summary>
    public TimeSpan BypassedFor()
    {
        var since = Volatile.Read(ref _bypassingSince);
        var ongoing = since == 0 ? 0 : TimeProvider.System.GetTimestamp() - since;
        return TimeSpan.FromSeconds((double)(Volatile.Read(ref _bypassedTicks) + ongoing) / TimeProvider.System.TimestampFrequency);
    }

    internal int Count => _entries.Count;

    internal bool Holds(byte[] tokenHash) => _entries.ContainsKey(new TokenKey(tokenHash));

    private void Drop(TokenKey key, Entry entry, SessionCacheEviction reason)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
            {
                Unlink(key, entry);
                _metrics.SessionCacheEvicted(reason, 1);
            }
        }
    }

    // Under _gate.
    private void Unlink(TokenKey key, Entry entry)
    {
        _entries.TryRemove(key, out _);
        _byAge.Remove(entry.Node);
        if (_bySession.TryGetValue(entry.Session.SessionId, out var mapped) && mapped == key)
        {
            _bySession.Remove(entry.Session.SessionId);
        }
        if (_byUser.TryGetValue(entry.Session.UserId, out var keys) && keys.Remove(key) && keys.Count == 0)
        {
            _byUser.Remove(entry.Session.UserId);
        }
    }

    private sealed record Entry(AuthenticatedSession Session, DateTime CachedAt, LinkedListNode<TokenKey> Node);

    /// <summary>A SHA-256 token hash as a value: no allocation per lookup, and compared in four words.</summary>
    private readonly record struct TokenKey(ulong A, ulong B, ulong C, ulong D)
    {
        public TokenKey(byte[] hash)
            : this(Word(hash, 0), Word(hash, 1), Word(hash, 2), Word(hash, 3))
        {
        }

        private static ulong Word(byte[] hash, int index) => MemoryMarshal.Read<ulong>(hash.AsSpan(index * 8, 8));
    }
}
