namespace Api.Sessions;

/// <summary>When a session ends and when it slides: pure arithmetic over explicit times, from the session settings.</summary>
public sealed class SessionLifetime(TimeSpan idleTimeout, TimeSpan rememberMeLifetime, TimeSpan absoluteLifetime, TimeSpan touchInterval)
{
    public SessionLifetime(SessionOptions settings)
        : this(settings.IdleTimeout, settings.RememberMeLifetime, settings.AbsoluteLifetime, settings.EffectiveTouchInterval)
    {
    }

    /// <summary>A new session's idle expiry and the absolute end that no activity moves.</summary>
    public (DateTime ExpiresAt, DateTime AbsoluteExpiresAt) Start(DateTime now, bool rememberMe)
    {
        var absoluteExpiresAt = now + absoluteLifetime;
        return (Slide(now, rememberMe, absoluteExpiresAt), absoluteExpiresAt);
    }

    /// <summary>The idle expiry after activity at <paramref name="now"/>: one window on, never past the absolute end.</summary>
    public DateTime Slide(DateTime now, bool rememberMe, DateTime absoluteExpiresAt)
    {
        var slid = now + (rememberMe ? rememberMeLifetime : idleTimeout);
        return slid < absoluteExpiresAt ? slid : absoluteExpiresAt;
    }

    /// <summary>Whether activity at <paramref name="now"/> should be written: at most once per touch interval.</summary>
    public bool IsDueForTouch(DateTime lastSeenAt, DateTime now) => now - lastSeenAt >= touchInterval;

    /// <summary>The latest last-seen time that is due at <paramref name="now"/>, for the store's compare-and-set.</summary>
    public DateTime DueIfSeenBefore(DateTime now) => now - touchInterval;

    public static bool IsExpired(DateTime now, DateTime expiresAt, DateTime absoluteExpiresAt) => now >= expiresAt || now >= absoluteExpiresAt;
}
