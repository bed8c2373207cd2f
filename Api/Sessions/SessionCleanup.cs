using Microsoft.Extensions.Options;

namespace Api.Sessions;

/// <summary>
/// Deletes expired sessions every Session:CleanupInterval, a bounded batch per statement. Expired sessions are already
/// refused on use; this keeps the table (and its indexes) the size of the live sessions.
/// </summary>
public sealed partial class SessionCleanup(SessionStore sessions, TimeProvider time, IOptions<SessionSettings> options, ILogger<SessionCleanup> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database outage must not stop the service: the next tick tries again.
                LogFailed(e);
            }
        }
    }

    /// <summary>Deletes batches until a batch comes back short; returns how many sessions were deleted.</summary>
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

        if (total > 0)
        {
            LogDeleted(total);
        }
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session cleanup deleted {Count} expired sessions")]
    private partial void LogDeleted(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session cleanup failed; it will try again at the next interval")]
    private partial void LogFailed(Exception exception);
}
