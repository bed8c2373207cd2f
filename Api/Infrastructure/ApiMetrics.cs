using System.Diagnostics.Metrics;
using System.Text;

namespace Api.Infrastructure;

/// <summary>How a <c>POST /login</c> ended: the <c>outcome</c> tag of <c>auth.logins</c>.</summary>
public enum LoginOutcome
{
    Succeeded,
    /// <summary>Unknown email, wrong password and disabled account alike, as the answer says.</summary>
    InvalidCredentials,
    Locked,
    TwoFactorRequired,
    TwoFactorInvalid,
    EmailNotVerified,
    Busy,
}

/// <summary>Why sessions ended: the <c>reason</c> tag of <c>auth.sessions.ended</c>.</summary>
public enum SessionEndReason
{
    Logout,
    /// <summary>A login or registration in the same browser replaced the session its cookie named.</summary>
    Replaced,
    /// <summary>The user revoked one session (<c>DELETE /sessions/{id}</c>).</summary>
    Revoked,
    OtherSessionsRevoked,
    PasswordChanged,
    PasswordReset,
    TwoFactorChanged,
    /// <summary>An admin changed the user's role, disabled them, logged them out everywhere or reset their second factor.</summary>
    Admin,
    /// <summary>A request came with an expired session, which was deleted there and then.</summary>
    Expired,
    ExpiredCleanup,
}

/// <summary>What a lock applies to: the <c>budget</c> tag of <c>auth.lockouts</c>.</summary>
public enum LockoutBudget
{
    Account,
    /// <summary>A browser the account trusts (device cookie), locked alone.</summary>
    Device,
}

/// <summary>How a mail's attempt failed: the <c>failure</c> tag of <c>auth.mail.failed</c>.</summary>
public enum MailFailure
{
    /// <summary>The SMTP server could not be reached or failed in passing; retried.</summary>
    Transient,
    /// <summary>The SMTP server refused the mail; retried up to Email:MaxPermanentFailures.</summary>
    Permanent,
    /// <summary>The last permanent refusal: the mail will not be sent.</summary>
    GivenUp,
}

/// <summary>Why a session lookup was not answered from the session cache: the <c>reason</c> tag of <c>auth.session_cache.misses</c>.</summary>
public enum SessionCacheMiss
{
    /// <summary>Not cached (first lookup on this instance, or dropped).</summary>
    Absent,
    /// <summary>Cached longer than Session:Cache:MaxAge.</summary>
    MaxAge,
    /// <summary>Cached as expired: the expiry is judged again on current data.</summary>
    Expired,
    /// <summary>The cache was bypassed: its listener is down or its heartbeat late.</summary>
    Bypassed,
}

/// <summary>Why session cache entries were dropped: the <c>reason</c> tag of <c>auth.session_cache.evictions</c>.</summary>
public enum SessionCacheEviction
{
    /// <summary>PostgreSQL said the session or its user changed (a trigger's notification).</summary>
    Notified,
    /// <summary>This instance changed the session or its user itself, and dropped the entry before answering.</summary>
    Changed,
    Capacity,
    MaxAge,
    /// <summary>Cached as expired; the session is read again.</summary>
    Expired,
    /// <summary>The listener's connection was lost: nothing cached can be trusted.</summary>
    ListenerLost,
}

/// <summary>
/// The product's own instruments, on the <see cref="MeterName"/> meter. Tag values are fixed lists (the enums above),
/// never anything a user typed, so no email address or other personal data can reach a metric. Without a listener
/// (telemetry off) each call is a check of a flag.
/// </summary>
public sealed class ApiMetrics
{
    public const string MeterName = "session-auth-api";

    private static readonly string[] LoginOutcomes = TagValues<LoginOutcome>();
    private static readonly string[] SessionEndReasons = TagValues<SessionEndReason>();
    private static readonly string[] LockoutBudgets = TagValues<LockoutBudget>();
    private static readonly string[] MailFailures = TagValues<MailFailure>();
    private static readonly string[] SessionCacheMisses = TagValues<SessionCacheMiss>();
    private static readonly string[] SessionCacheEvictions = TagValues<SessionCacheEviction>();

    private readonly Counter<long> _logins;
    private readonly Counter<long> _sessionsCreated;
    private readonly Counter<long> _sessionsEnded;
    private readonly Counter<long> _lockouts;
    private readonly Histogram<double> _bcryptSlotWait;
    private readonly Counter<long> _cleanupDeleted;
    private readonly Counter<long> _mailsSent;
    private readonly Counter<long> _mailsFailed;
    private readonly Counter<long> _sessionCacheHits;
    private readonly Counter<long> _sessionCacheMisses;
    private readonly Counter<long> _sessionCacheEvictions;
    private readonly Meter _meter;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(MeterName);
        _logins = meter.CreateCounter<long>("auth.logins", "{login}", "Login attempts, by outcome.");
        _sessionsCreated = meter.CreateCounter<long>("auth.sessions.created", "{session}", "Sessions created (login, registration, password change).");
        _sessionsEnded = meter.CreateCounter<long>("auth.sessions.ended", "{session}", "Sessions deleted, by reason.");
        _lockouts = meter.CreateCounter<long>("auth.lockouts", "{lockout}", "Failed password checks that locked an account or a trusted browser.");
        _bcryptSlotWait = meter.CreateHistogram("auth.bcrypt.slot.wait_time", "s", "How long a password check or hash waited for a bcrypt slot.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5] });
        _cleanupDeleted = meter.CreateCounter<long>("auth.cleanup.deleted", "{row}", "Rows deleted by the background cleanup, by task.");
        _mailsSent = meter.CreateCounter<long>("auth.mail.sent", "{mail}", "Mails the SMTP server accepted.");
        _mailsFailed = meter.CreateCounter<long>("auth.mail.failed", "{mail}", "Failed attempts to send a mail, by kind of failure.");
        _sessionCacheHits = meter.CreateCounter<long>("auth.session_cache.hits", "{lookup}", "Session lookups answered from the session cache, without SQL.");
        _sessionCacheMisses = meter.CreateCounter<long>("auth.session_cache.misses", "{lookup}", "Session lookups that went to PostgreSQL, by reason.");
        _sessionCacheEvictions = meter.CreateCounter<long>("auth.session_cache.evictions", "{entry}", "Session cache entries dropped, by reason.");
    }

    public void Login(LoginOutcome outcome) =>
        _logins.Add(1, new KeyValuePair<string, object?>("outcome", LoginOutcomes[(int)outcome]));

    public void SessionCreated() => _sessionsCreated.Add(1);

    public void SessionsEnded(int count, SessionEndReason reason)
    {
        if (count > 0)
        {
            _sessionsEnded.Add(count, new KeyValuePair<string, object?>("reason", SessionEndReasons[(int)reason]));
        }
    }

    public void Lockout(LockoutBudget budget) =>
        _lockouts.Add(1, new KeyValuePair<string, object?>("budget", LockoutBudgets[(int)budget]));

    public void BcryptSlotWaited(TimeSpan waited, bool acquired) =>
        _bcryptSlotWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("outcome", acquired ? "acquired" : "timed_out"));

    /// <summary><paramref name="task"/> is a cleanup task's <see cref="ICleanupTask.Key"/>.</summary>
    public void CleanupDeleted(string task, int rows)
    {
        if (rows > 0)
        {
            _cleanupDeleted.Add(rows, new KeyValuePair<string, object?>("task", task));
        }
    }

    public void MailSent() => _mailsSent.Add(1);

    public void MailFailed(MailFailure failure) =>
        _mailsFailed.Add(1, new KeyValuePair<string, object?>("failure", MailFailures[(int)failure]));

    public void SessionCacheHit() => _sessionCacheHits.Add(1);

    public void SessionCacheMiss(SessionCacheMiss reason) =>
        _sessionCacheMisses.Add(1, new KeyValuePair<string, object?>("reason", SessionCacheMisses[(int)reason]));

    public void SessionCacheEvicted(SessionCacheEviction reason, int count)
    {
        if (count > 0)
        {
            _sessionCacheEvictions.Add(count, new KeyValuePair<string, object?>("reason", SessionCacheEvictions[(int)reason]));
        }
    }

    /// <summary>The session cache's size, and how long it has been bypassed in all, read when metrics are collected.</summary>
    public void ObserveSessionCache(Func<long> entries, Func<double> bypassedSeconds)
    {
        _meter.CreateObservableGauge("auth.session_cache.entries", entries, "{entry}", "Sessions held in the session cache.");
        _meter.CreateObservableCounter("auth.session_cache.bypass_time", bypassedSeconds, "s",
            "Time the session cache was bypassed (listener down or heartbeat late), since the instance started.");
    }

    /// <summary>The tag value of each member, by its number: <c>TwoFactorRequired</c> is <c>two_factor_required</c>.</summary>
    private static string[] TagValues<T>() where T : struct, Enum =>
        [.. Enum.GetValues<T>().OrderBy(value => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)).Select(value => SnakeCase(value.ToString()))];

    internal static string SnakeCase(string name)
    {
        var snake = new StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && snake.Length > 0)
            {
                snake.Append('_');
            }
            snake.Append(char.ToLowerInvariant(c));
        }
        return snake.ToString();
    }
}
