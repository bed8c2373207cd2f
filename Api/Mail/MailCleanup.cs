using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Mail;

/// <summary>
/// Sent and given-up mails have no bodies left; their rows are kept <see cref="MailOptions.SentRetention"/> for
/// questions such as "was my reset mail sent?", then deleted, so the table stays the size of recent mail.
/// </summary>
internal sealed class MailCleanup(OutboxStore store, TimeProvider time, IOptions<MailOptions> options) : ICleanupTask
{
    public string Name => "sent and given-up mails";

    public TimeSpan Interval => options.Value.CleanupInterval;

    /// <summary>Deletes batches until a batch comes back short, resting after each full batch as long as it took.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var finishedBefore = time.GetUtcNow().UtcDateTime - options.Value.SentRetention;
        var total = 0;
        while (true)
        {
            var started = time.GetTimestamp();
            var deleted = await store.DeleteFinishedBatchAsync(finishedBefore, options.Value.CleanupBatchSize, cancellationToken);
            total += deleted;
            if (deleted < options.Value.CleanupBatchSize)
            {
                return total;
            }
            await Task.Delay(time.GetElapsedTime(started), time, cancellationToken);
        }
    }
}
