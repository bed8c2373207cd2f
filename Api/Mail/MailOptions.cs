using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace Api.Mail;

/// <summary>
/// How the SMTP connection is secured. Deliberately without MailKit's opportunistic modes (Auto, StartTlsWhenAvailable):
/// a man in the middle who strips STARTTLS from the server's answer would get the mail, links and password in the clear.
/// </summary>
public enum SmtpSecurity
{
    /// <summary>Plain text, for a relay on the same host or a local mail catcher.</summary>
    None,

    /// <summary>Plain connection upgraded with STARTTLS, which must succeed (usually port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,
}

public sealed class SmtpOptions
{
    /// <summary>Without it mails wait in the outbox, and the API runs as before.</summary>
    public string? Host { get; set; }

    /// <summary>Default: 25 for None, 587 for StartTls, 465 for SslOnConnect.</summary>
    public int? Port { get; set; }

    /// <summary>Authenticate with these credentials; without a username, do not authenticate.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>How long one SMTP exchange (connecting, one command, its answer) may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public int EffectivePort => Port ?? Security switch
    {
        SmtpSecurity.None => 25,
        SmtpSecurity.SslOnConnect => 465,
        _ => 587,
    };
}

public sealed class MailOptions : IValidatableObject
{
    public const string SectionName = "Email";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>The sender of every mail, such as <c>Example &lt;no-reply@example.com&gt;</c>. Required once a host is set.</summary>
    public string? From { get; set; }

    /// <summary>
    /// How long the dispatcher waits for a notification before it looks at the outbox anyway (for retries that fell
    /// due, and notifications lost while it reconnected), and how long it waits before reconnecting its listener.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The wait after a mail's first failed attempt; each further failure doubles it, up to RetryMaxDelay.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.001", "7.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Permanent (5xx) refusals of one mail before it is given up. Transient failures are retried without limit.</summary>
    [Range(1, 100)]
    public int MaxPermanentFailures { get; set; } = 3;

    /// <summary>How long an instance has to send a mail it took before another instance may take it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long sent and given-up mails (without their bodies) are kept before the cleanup deletes them.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan SentRetention { get; set; } = TimeSpan.FromDays(7);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    [Range(1, 100_000)]
    public int CleanupBatchSize { get; set; } = 1000;

    public bool SendsMail => !string.IsNullOrWhiteSpace(Smtp.Host);

    /// <summary>The parsed <see cref="From"/>: a new instance each time, since MimeKit's addresses are mutable.</summary>
    public MailboxAddress? FromAddress => ParseMailbox(From);

    /// <summary>A single mailbox with a domain (<c>name@domain</c>, optionally with a display name), or null.</summary>
    internal static MailboxAddress? ParseMailbox(string? text) =>
        text is not null && MailboxAddress.TryParse(text, out var mailbox) && mailbox.Address.Split('@') is [{ Length: > 0 }, { Length: > 0 }]
            ? mailbox
            : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Problems(this).Select(problem => new ValidationResult(problem));

    private static IEnumerable<string> Problems(MailOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.From) && options.FromAddress is null)
        {
            yield return "Email:From is not an email address; give one such as \"Example <no-reply@example.com>\".";
        }
        if (options.SendsMail && string.IsNullOrWhiteSpace(options.From))
        {
            yield return "Email:From must be set when Email:Smtp:Host is.";
        }
        if (!Enum.IsDefined(options.Smtp.Security))
        {
            yield return "Email:Smtp:Security must be None, StartTls or SslOnConnect.";
        }
        if (options.Smtp.Port is < 1 or > 65535)
        {
            yield return "Email:Smtp:Port must be between 1 and 65535.";
        }
        if (string.IsNullOrEmpty(options.Smtp.Username) && !string.IsNullOrEmpty(options.Smtp.Password))
        {
            yield return "Email:Smtp:Password is set without Email:Smtp:Username.";
        }
        if (!string.IsNullOrEmpty(options.Smtp.Username) && options.Smtp.Security == SmtpSecurity.None)
        {
            yield return "Email:Smtp:Username needs Email:Smtp:Security StartTls or SslOnConnect: with None the password would cross the network in the clear.";
        }
        if (options.Smtp.Timeout < TimeSpan.FromSeconds(1) || options.Smtp.Timeout > TimeSpan.FromMinutes(10))
        {
            yield return "Email:Smtp:Timeout must be between 00:00:01 and 00:10:00.";
        }
        if (options.LeaseDuration < options.Smtp.Timeout * 10)
        {
            // Connecting, TLS, authentication and one mail are about ten exchanges, each allowed the timeout: a lease
            // that ended sooner would let a second instance send a mail the first is still sending.
            yield return "Email:LeaseDuration must be at least ten times Email:Smtp:Timeout.";
        }
        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            yield return "Email:RetryMaxDelay must not be shorter than Email:RetryBaseDelay.";
        }
    }
}
