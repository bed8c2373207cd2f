using Api.Sessions;
using Microsoft.Extensions.Options;

namespace Api.Infrastructure;

/// <summary>Deletes rows that only age out (expired sessions, forgotten failed logins).</summary>
public interface ICleanupTask
{
    string Name { get; }

    /// <summary>Deletes what has aged out, in bounded batches; returns how many rows went.</summary>
    Task<int> RunOnceAsync(CancellationToken cancellationToken);
}

/// <summary>Runs every <see cref="ICleanupTask"/> each Session:CleanupInterval.</summary>
public sealed partial class CleanupService(IEnumerable<ICleanupTask> tasks, TimeProvider time, IOptions<SessionSettings> options, ILogger<CleanupService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var task in tasks)
            {
                try
                {
                    var deleted = await task.RunOnceAsync(stoppingToken);
                    if (deleted > 0)
                    {
                        LogDeleted(task.Name, deleted);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A database outage must not stop the service: the next tick tries again.
                    LogFailed(e, task.Name);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cleanup deleted {Count} {Name}")]
    private partial void LogDeleted(string name, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cleanup of {Name} failed; it will try again at the next interval")]
    private partial void LogFailed(Exception exception, string name);
}
