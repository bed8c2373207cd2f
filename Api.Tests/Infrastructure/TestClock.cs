using System.Diagnostics;

namespace Api.Tests.Infrastructure;

/// <summary>A clock tests move by hand, so expiry is tested without sleeping.</summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset _now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private long? _tickingSince;

    public override DateTimeOffset GetUtcNow() => _tickingSince is { } since ? _now + Stopwatch.GetElapsedTime(since) : _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset now)
    {
        _now = now;
        if (_tickingSince is not null)
        {
            _tickingSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// Sets the clock to the wall clock and lets it tick with it until the result is disposed, then stops it where it is:
    /// for clients that read the wall clock themselves, such as a script computing an authenticator's code.
    /// </summary>
    public IDisposable TickWithWallClock()
    {
        _now = DateTimeOffset.UtcNow;
        _tickingSince = Stopwatch.GetTimestamp();
        return new Stopper(this);
    }

    private sealed class Stopper(TestClock clock) : IDisposable
    {
        public void Dispose()
        {
            clock._now = clock.GetUtcNow();
            clock._tickingSince = null;
        }
    }
}
