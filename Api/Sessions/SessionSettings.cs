using Microsoft.Extensions.Options;

namespace Api.Sessions;

public sealed class SessionSettings
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

    private static IEnumerable<string> Problems(SessionSettings options)
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
    }

    internal sealed class Validator : IValidateOptions<SessionSettings>
    {
        public ValidateOptionsResult Validate(string? name, SessionSettings options)
        {
            var problems = Problems(options).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
