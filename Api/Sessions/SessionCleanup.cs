using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Sessions;

/// <summary>
/// Expired sessions are already refused on use; deleting them keeps the table (and its indexes) the size of the live
/// sessions.
/// </summary>
public sealed class SessionCleanup(SessionStore sessions, TimeProvider time, IOptions<SessionOptions> options) : ICleanupTask
{
    public string Name => "expired sessions";

    public TimeSpan Interval => options.Value.CleanupInterval;

    /// <summary>
    /// Deletes batches until a batch comes back short, resting after each full batch as long as that batch took. A
    /// backlog (say, a million sessions expiring after a campaign) is then worked off at half speed instead of taking
    /// the CPU that requests need (bench/README.md has the measurements).
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var started = time.GetTimestamp();
            var deleted = await sessions.DeleteExpiredBatchAsync(cancellationToken);
            total += deleted;
            if (deleted < options.Value.CleanupBatchSize)
            {
                return total;
            }
            await Task.Delay(time.GetElapsedTime(started), time, cancellationToken);
        }
    }
}
