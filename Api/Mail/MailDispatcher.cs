using System.Data;
using Api.Infrastructure;
using Dapper;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;

namespace Api.Mail;

/// <summary>
/// Sends the outbox's mails in the background. It sleeps on LISTEN, so a committed mail wakes it at once, and looks at
/// the outbox every <see cref="MailOptions.PollInterval"/> anyway, for retries that fell due. Each mail is leased in one
/// statement, sent with no transaction open, and marked sent in another statement; several instances share the work
/// through the lease and never send a mail twice while they run. Delivery is at least once: an instance that dies after
/// the SMTP server accepted a mail but before marking it leaves it to be sent again once the lease ends, with the same
/// Message-ID.
/// </summary>
internal sealed partial class MailDispatcher(
    NpgsqlDataSource dataSource, OutboxStore store, MailBodyProtector bodies, TimeProvider time, IOptions<MailOptions> options,
    ApiMetrics metrics, ILogger<MailDispatcher> logger) : BackgroundService
{
    private readonly MailOptions _settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.SendsMail)
        {
            LogNoSmtpHost();
            return;
        }
        LogSendingThrough(_settings.Smtp.Host!, _settings.Smtp.EffectivePort, _settings.Smtp.Security);
        while (true)
        {
            try
            {
                await ListenAndDeliverAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database went away (the listening connection, or a lease or record statement failed): start over
                // on a new connection, after a pause, so that an outage costs a line per interval rather than a busy loop.
                LogDatabaseFailed(e, _settings.PollInterval);
                await Task.Delay(_settings.PollInterval, time, stoppingToken);
            }
        }
    }

    private async Task ListenAndDeliverAsync(CancellationToken stoppingToken)
    {
        await using var listener = await dataSource.OpenConnectionAsync(stoppingToken);
        await listener.ExecuteAsync($"LISTEN {OutboxStore.Channel}");
        try
        {
            while (true)
            {
                // Also right after (re)connecting: notifications sent while nobody listened are lost, the rows are not.
                await DeliverDueAsync(stoppingToken);
                await listener.WaitAsync(_settings.PollInterval, stoppingToken);
            }
        }
        finally
        {
            if (listener.State == ConnectionState.Open && !stoppingToken.IsCancellationRequested)
            {
                // The pool does not reset connections (Database: NoResetOnClose): one returned still listening would
                // keep receiving this channel's notifications for whoever uses it next. At shutdown the pool goes too.
                await listener.ExecuteAsync("UNLISTEN *");
            }
        }
    }

    /// <summary>Sends every mail that is due, one lease at a time, over one SMTP connection.</summary>
    private async Task DeliverDueAsync(CancellationToken stoppingToken)
    {
        await using var smtp = new SmtpTransport(_settings.Smtp);
        while (true)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (await store.LeaseNextDueAsync(now, now + _settings.LeaseDuration, stoppingToken) is not { } mail
                || !await DeliverAsync(smtp, mail, stoppingToken))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Sends one leased mail and records the outcome. False when the SMTP server could not be reached: the other due
    /// mails then wait for the next round, so a server that is down costs one connection attempt per round, not one
    /// per waiting mail.
    /// </summary>
    private async Task<bool> DeliverAsync(SmtpTransport smtp, LeasedMail mail, CancellationToken stoppingToken)
    {
        try
        {
            await smtp.ConnectAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            await RecordFailureAsync(mail, e, permanent: false);
            return false;
        }
        try
        {
            // The sender is validated at startup: a host needs one.
            await smtp.SendAsync(Compose(mail, _settings.FromAddress!, bodies), stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            await RecordFailureAsync(mail, e, MailRetry.IsPermanent(e));
            return true;
        }
        // Should this fail, the lease runs out and the mail is sent again: at least once, never silently dropped.
        await store.MarkSentAsync(mail.Id, time.GetUtcNow().UtcDateTime);
        metrics.MailSent();
        LogSent(mail.Id, mail.Attempts);
        return true;
    }

    /// <summary>The message as every attempt sends it: the same Message-ID and Date each time.</summary>
    internal static MimeMessage Compose(LeasedMail mail, MailboxAddress from, MailBodyProtector bodies)
    {
        var message = new MimeMessage
        {
            MessageId = mail.MessageId,
            Subject = mail.Subject,
            Date = new DateTimeOffset(mail.CreatedAt, TimeSpan.Zero),
            Body = new BodyBuilder { TextBody = bodies.Unprotect(mail.TextBody), HtmlBody = bodies.Unprotect(mail.HtmlBody) }.ToMessageBody(),
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(mail.Recipient));
        return message;
    }

    private async Task RecordFailureAsync(LeasedMail mail, Exception failure, bool permanent)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Only the failure's kind and the server's reply are logged: never a body, whose links are secrets.
        var reason = failure is SmtpCommandException refusal
            ? $"SMTP {(int)refusal.StatusCode} {refusal.Message}"
            : $"{failure.GetType().Name}: {failure.Message}";
        if (permanent && MailRetry.GivesUp(mail.PermanentFailures + 1, _settings.MaxPermanentFailures))
        {
            await store.GiveUpAsync(mail.Id, mail.Attempts, now);
            metrics.MailFailed(MailFailure.GivenUp);
            LogGaveUp(mail.Id, mail.Attempts, mail.PermanentFailures + 1, reason);
            return;
        }
        var nextAttemptAt = now + MailRetry.Backoff(mail.Attempts, _settings.RetryBaseDelay, _settings.RetryMaxDelay);
        await store.RetryLaterAsync(mail.Id, mail.Attempts, nextAttemptAt, permanent);
        metrics.MailFailed(permanent ? MailFailure.Permanent : MailFailure.Transient);
        if (permanent)
        {
            LogRefused(mail.Id, mail.Attempts, reason, nextAttemptAt);
        }
        else
        {
            LogFailed(mail.Id, mail.Attempts, reason, nextAttemptAt);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email:Smtp:Host is not set: mails wait in the outbox until an instance with an SMTP server is running")]
    private partial void LogNoSmtpHost();

    [LoggerMessage(Level = LogLevel.Information, Message = "Sending mail through {Host}:{Port} ({Security})")]
    private partial void LogSendingThrough(string host, int port, SmtpSecurity security);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mail dispatcher lost the database; listening again in {Delay}")]
    private partial void LogDatabaseFailed(Exception exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail {MailId} sent (attempt {Attempt})")]
    private partial void LogSent(long mailId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MailId} attempt {Attempt} failed ({Reason}); next attempt at {NextAttemptAt:o}")]
    private partial void LogFailed(long mailId, int attempt, string reason, DateTime nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MailId} attempt {Attempt} was refused ({Reason}); next attempt at {NextAttemptAt:o}")]
    private partial void LogRefused(long mailId, int attempt, string reason, DateTime nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Mail {MailId} given up: attempt {Attempt} was its permanent refusal number {Refusals} ({Reason})")]
    private partial void LogGaveUp(long mailId, int attempt, int refusals, string reason);
}
