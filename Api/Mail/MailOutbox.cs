using Microsoft.Extensions.Options;
using MimeKit.Utils;
using Npgsql;

namespace Api.Mail;

/// <summary>A mail to send: one recipient, a plain-text body and an HTML body saying the same.</summary>
public sealed record OutgoingMail(string To, string Subject, string TextBody, string HtmlBody);

/// <summary>
/// Queues mails in the caller's transaction: a mail is sent if and only if that transaction commits, so the mail and
/// the token it carries are written together or not at all. Sending happens later, in the background
/// (<see cref="MailDispatcher"/>): a request never waits on SMTP.
/// </summary>
public sealed class MailOutbox
{
    private readonly MailBodyProtector _bodies;
    private readonly TimeProvider _time;
    private readonly IOptions<MailOptions> _options;

    internal MailOutbox(MailBodyProtector bodies, TimeProvider time, IOptions<MailOptions> options)
    {
        _bodies = bodies;
        _time = time;
        _options = options;
    }

    /// <summary>
    /// Whether mail can be sent to <paramref name="address"/> as it stands: one bare address (<c>name@domain</c>), not a
    /// display name, a list, a comment or a route, which would send the mail somewhere the text does not plainly say.
    /// </summary>
    public static bool IsDeliverable(string? address) =>
        MailOptions.ParseMailbox(address) is { } mailbox && string.IsNullOrEmpty(mailbox.Name) && mailbox.Route.Count == 0
        && string.Equals(mailbox.Address, address, StringComparison.Ordinal);

    /// <summary>
    /// Adds the mail to the outbox within <paramref name="transaction"/>, which the caller commits. The bodies are
    /// stored encrypted, and the Message-ID is chosen here, once, so that any resend is recognisably the same mail.
    /// </summary>
    /// <exception cref="ArgumentException">The recipient is not one email address.</exception>
    public Task EnqueueAsync(NpgsqlTransaction transaction, OutgoingMail mail)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(mail);
        // Refused here, in the caller's request, rather than found unsendable later in the background.
        if (!IsDeliverable(mail.To))
        {
            throw new ArgumentException("The recipient is not one email address.", nameof(mail));
        }

        var domain = _options.Value.FromAddress?.Domain ?? "localhost";
        var queued = new ProtectedMail(
            MimeUtils.GenerateMessageId(domain), mail.To, mail.Subject, _bodies.Protect(mail.TextBody), _bodies.Protect(mail.HtmlBody));
        return OutboxStore.InsertAsync(transaction, queued, _time.GetUtcNow().UtcDateTime);
    }
}
