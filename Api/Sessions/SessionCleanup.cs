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

    public Task<int> RunOnceAsync(CancellationToken cancellationToken) =>
        CleanupBatches.RunAsync(sessions.DeleteExpiredBatchAsync, options.Value.CleanupBatchSize, time, cancellationToken);
}
