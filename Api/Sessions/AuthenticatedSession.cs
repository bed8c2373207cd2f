
namespace Api.Sessions;

/// <summary>A session joined with its user's current state, as read on every authenticated request.</summary>
public sealed record AuthenticatedSession
{
    public required Guid SessionId { get; init; }
    public required long UserId { get; init; }
    public required string Email { get; init; }
    public required string Name { get; init; }
    public required string Role { get; init; }
    public required DateTime UserCreatedAt { get; init; }
    public DateTime? DisabledAt { get; init; }
    public DateTime? EmailVerifiedAt { get; init; }
    public bool TwoFactorEnabled { get; init; }
    public required DateTime SessionCreatedAt { get; init; }
    public required DateTime LastSeenAt { get; init; }
    public required DateTime ExpiresAt { get; init; }
    public required DateTime AbsoluteExpiresAt { get; init; }
    public required bool RememberMe { get; init; }

    /// <summary>This session's dashboard views, this request's included; only when the lookup was <see cref="SessionLookup.CountVisit"/>.</summary>
    public long? Visits { get; init; }

    public bool IsAdmin => Role == Roles.Admin;

    public bool IsExpiredAt(DateTime now) => SessionLifetime.IsExpired(now, ExpiresAt, AbsoluteExpiresAt);
}

/// <summary>What the lookup of an authenticated request's session does besides reading it.</summary>
public enum SessionLookup
{
    Read,

    /// <summary>Counts a dashboard view in the session's data, in the same statement as the lookup.</summary>
    CountVisit,
}

/// <summary>
/// The session RequireAuth resolved for this request. Endpoint filters run after parameter binding, so the filter
/// fills this scoped holder and handlers take it as a parameter.
/// </summary>
public sealed class CurrentSession
{
    private AuthenticatedSession? _session;

    public AuthenticatedSession Session =>
        _session ?? throw new InvalidOperationException("This endpoint reads the current session but has no RequireAuth filter.");

    /// <summary>The request's session was looked up (<see cref="Found"/> holds the answer, null for none).</summary>
    internal bool Resolved { get; private set; }

    internal AuthenticatedSession? Found => _session;

    internal void Set(AuthenticatedSession? session)
    {
        _session = session;
        Resolved = true;
    }
}
