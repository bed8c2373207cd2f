using System.Diagnostics;
using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Passwords;

/// <summary>
/// Caps concurrent bcrypt computations. A login burst beyond the cores would otherwise queue on the thread pool and
/// starve authenticated requests; excess logins wait briefly for a slot and are then turned away with 503.
/// </summary>
public sealed class PasswordWorkLimiter(IOptions<PasswordOptions> options, ApiMetrics metrics) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentHashes > 0 ? options.Value.MaxConcurrentHashes : Environment.ProcessorCount);
    private readonly TimeSpan _queueTimeout = options.Value.QueueTimeout;

    /// <summary>Runs <paramref name="work"/> in a slot; false when no slot freed up within the queue timeout.</summary>
    public async Task<(bool Ran, T Result)> TryRunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var waitStarted = Stopwatch.GetTimestamp();
        var acquired = await _slots.WaitAsync(_queueTimeout, cancellationToken);
        metrics.BcryptSlotWaited(Stopwatch.GetElapsedTime(waitStarted), acquired);
        if (!acquired)
        {
            return (false, default!);
        }
        try
        {
            return (true, work());
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
