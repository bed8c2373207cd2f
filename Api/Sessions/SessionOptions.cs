using System.ComponentModel.DataAnnotations;

namespace Api.Sessions;

public sealed class SessionOptions : IValidatableObject
{
    public const string SectionName = "Session";
    public const string DefaultCookieName = "__Host-sid";

    public string CookieName { get; set; } = DefaultCookieName;

    /// <summary>A session unused for this long expires.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Idle window of a remember-me session, and the Max-Age of its cookie.</summary>
    public TimeSpan RememberMeLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>No session outlives this, however active it is.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Sliding expiry writes at most once per this interval per session; every other request only reads.
    /// Default: a tenth of the idle timeout, at most 5 minutes.
    /// </summary>
    public TimeSpan? TouchInterval { get; set; }

    /// <summary>How often the background cleanup deletes expired sessions.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows one cleanup statement deletes at most, so no statement holds many locks for long.</summary>
    public int CleanupBatchSize { get; set; } = 1000;

    public TimeSpan EffectiveTouchInterval =>
        TouchInterval ?? TimeSpan.FromTicks(Math.Min(IdleTimeout.Ticks / 10, TimeSpan.FromMinutes(5).Ticks));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Problems(this).Select(problem => new ValidationResult(problem));

    private static IEnumerable<string> Problems(SessionOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.CookieName))
        {
            yield return "Session:CookieName must not be empty.";
        }
        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            yield return "Session:IdleTimeout must be positive.";
        }
        if (options.RememberMeLifetime <= TimeSpan.Zero)
        {
            yield return "Session:RememberMeLifetime must be positive.";
        }
        if (options.AbsoluteLifetime <= TimeSpan.Zero)
        {
            yield return "Session:AbsoluteLifetime must be positive.";
        }
        if (options.TouchInterval is { } touch && (touch < TimeSpan.Zero || touch >= options.IdleTimeout))
        {
            yield return "Session:TouchInterval must be at least zero and shorter than Session:IdleTimeout.";
        }
        if (options.CleanupInterval <= TimeSpan.Zero)
        {
            yield return "Session:CleanupInterval must be positive.";
        }
        if (options.CleanupBatchSize is < 1 or > 100_000)
        {
            yield return "Session:CleanupBatchSize must be between 1 and 100000.";
        }
    }
}
