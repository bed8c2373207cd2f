using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Sessions;

/// <summary>
/// Expired sessions are already refused on use; deleting them keeps the table (and its indexes) the size of the live
/// sessions.
/// </summary>
public sealed class SessionCleanup(SessionStore sessions, IOptions<SessionSettings> options) : ICleanupTask
{
    public string Name => "expired sessions";

    /// <summary>Deletes batches until a batch comes back short.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await sessions.DeleteExpiredBatchAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == options.Value.CleanupBatchSize);
        return total;
    }
}
