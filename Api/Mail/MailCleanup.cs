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

    public Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var finishedBefore = time.GetUtcNow().UtcDateTime - options.Value.SentRetention;
        return CleanupBatches.RunAsync(
            token => store.DeleteFinishedBatchAsync(finishedBefore, options.Value.CleanupBatchSize, token),
            options.Value.CleanupBatchSize, time, cancellationToken);
    }
}
