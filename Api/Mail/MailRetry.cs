using MailKit.Net.Smtp;
using MimeKit;

namespace Api.Mail;

/// <summary>How a failed delivery counts, and when the next attempt is due: pure rules, no I/O.</summary>
public static class MailRetry
{
    /// <summary>
    /// The wait after <paramref name="failedAttempts"/> failed attempts (at least one): the base delay, doubled for each
    /// failure after the first, never more than the maximum. Counts of any size give the maximum rather than overflow.
    /// </summary>
    public static TimeSpan Backoff(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, baseDelay);
        var delay = baseDelay;
        for (var doublings = failedAttempts - 1; doublings > 0 && delay < maxDelay; doublings--)
        {
            delay = delay.Ticks > maxDelay.Ticks / 2 ? maxDelay : delay * 2;
        }
        return delay < maxDelay ? delay : maxDelay;
    }

    /// <summary>
    /// Whether a failure to send this mail will recur whatever we do: the server refused it for good (a 5xx answer to
    /// the sender, a recipient or the content), or it cannot even be written. Everything else (no connection, a
    /// timeout, a 4xx "try later", a key ring not refreshed yet) is worth retrying.
    /// </summary>
    public static bool IsPermanent(Exception failure) => failure switch
    {
        SmtpCommandException refusal => (int)refusal.StatusCode >= 500,
        ParseException => true,
        _ => false,
    };

    /// <summary>Whether a mail refused <paramref name="permanentFailures"/> times is given up.</summary>
    public static bool GivesUp(int permanentFailures, int maxPermanentFailures) => permanentFailures >= maxPermanentFailures;
}
