namespace Api.Infrastructure;

/// <summary>A background job that deletes rows that only age out (expired sessions, forgotten failed logins).</summary>
public interface ICleanupTask
{
    string Name { get; }

    /// <summary>The job's <c>task</c> tag on the <c>auth.cleanup.deleted</c> metric: short, snake_case, stable.</summary>
    string Key => ApiMetrics.SnakeCase(GetType().Name);

    /// <summary>How often it runs: each job has its own setting.</summary>
    TimeSpan Interval { get; }

    /// <summary>Deletes what has aged out, in bounded batches; returns how many rows went.</summary>
    Task<int> RunOnceAsync(CancellationToken cancellationToken);
}

/// <summary>The one way a cleanup task works through a backlog.</summary>
public static class CleanupBatches
{
    /// <summary>
    /// Runs <paramref name="batch"/> until it comes back short of <paramref name="batchSize"/>, resting after each full
    /// batch as long as that batch took: a backlog (say, a million sessions expiring after a campaign) is worked off at
    /// half speed instead of taking the CPU that requests need (bench/README.md has the measurements). Returns the total.
    /// </summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> batch, int batchSize, TimeProvider time, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var started = time.GetTimestamp();
            var deleted = await batch(cancellationToken);
            total += deleted;
            if (deleted < batchSize)
            {
                return total;
            }
            await Task.Delay(time.GetElapsedTime(started), time, cancellationToken);
        }
    }
}

/// <summary>Runs every <see cref="ICleanupTask"/> on its own interval.</summary>
public sealed partial class CleanupService(IEnumerable<ICleanupTask> tasks, TimeProvider time, ApiMetrics metrics, ILogger<CleanupService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(tasks.Select(task => RunAsync(task, stoppingToken)));

    private async Task RunAsync(ICleanupTask task, CancellationToken stoppingToken)
    {
        var key = task.Key;
        using var timer = new PeriodicTimer(task.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await task.RunOnceAsync(stoppingToken);
                metrics.CleanupDeleted(key, deleted);
                if (deleted > 0)
                {
                    LogDeleted(task.Name, deleted);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database outage must not stop the job: the next tick tries again.
                LogFailed(e, task.Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cleanup deleted {Count} {Name}")]
    private partial void LogDeleted(string name, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cleanup of {Name} failed; it will try again at the next interval")]
    private partial void LogFailed(Exception exception, string name);
}
