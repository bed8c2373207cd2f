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

    private readonly Counter<long> _logins;
    private readonly Counter<long> _sessionsCreated;
    private readonly Counter<long> _sessionsEnded;
    private readonly Counter<long> _lockouts;
    private readonly Histogram<double> _bcryptSlotWait;
    private readonly Counter<long> _cleanupDeleted;
    private readonly Counter<long> _mailsSent;
    private readonly Counter<long> _mailsFailed;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _logins = meter.CreateCounter<long>("auth.logins", "{login}", "Login attempts, by outcome.");
        _sessionsCreated = meter.CreateCounter<long>("auth.sessions.created", "{session}", "Sessions created (login, registration, password change).");
        _sessionsEnded = meter.CreateCounter<long>("auth.sessions.ended", "{session}", "Sessions deleted, by reason.");
        _lockouts = meter.CreateCounter<long>("auth.lockouts", "{lockout}", "Failed password checks that locked an account or a trusted browser.");
        _bcryptSlotWait = meter.CreateHistogram("auth.bcrypt.slot.wait_time", "s", "How long a password check or hash waited for a bcrypt slot.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5] });
        _cleanupDeleted = meter.CreateCounter<long>("auth.cleanup.deleted", "{row}", "Rows deleted by the background cleanup, by task.");
        _mailsSent = meter.CreateCounter<long>("auth.mail.sent", "{mail}", "Mails the SMTP server accepted.");
        _mailsFailed = meter.CreateCounter<long>("auth.mail.failed", "{mail}", "Failed attempts to send a mail, by kind of failure.");
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
