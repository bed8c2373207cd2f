using System.ComponentModel.DataAnnotations;

namespace Api.Sessions;

/// <summary>The in-process session cache (<see cref="SessionCache"/>); README, "Session cache".</summary>
public sealed class SessionCacheOptions
{
    public const string SectionName = "Session:Cache";

    /// <summary>Off, every authenticated request reads PostgreSQL, as before the cache, and nothing LISTENs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sessions kept at most; the longest-cached one makes room for a new one.</summary>
    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>
    /// A backstop: an entry is read again from PostgreSQL after this long, whatever the notifications said. Invalidation
    /// does not depend on it; it bounds the harm of a bug or of a change made where no trigger sees it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often the instance notifies itself through PostgreSQL. A heartbeat not back within half an interval more is
    /// missed, and the cache is bypassed until one arrives.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where to LISTEN, when ConnectionStrings:Postgres goes through a proxy that pools by transaction (PgBouncer in
    /// transaction mode drops a LISTEN with the transaction). Unset: ConnectionStrings:Postgres, on a connection of its own.
    /// </summary>
    public string? ListenConnectionString { get; set; }
}
