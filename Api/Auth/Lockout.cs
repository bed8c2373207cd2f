namespace Api.Auth;

/// <summary>
/// How long a run of failed password checks locks a budget (an account, or a trusted browser): nothing for the first
/// <see cref="FreeAttempts"/> failures, then the base lock, doubling with each further failure up to the maximum. Pure
/// arithmetic over whole numbers of failures: no count, however large, overflows or errs.
/// </summary>
public sealed class Lockout
{
    private readonly double[] _lockSeconds;

    public Lockout(int freeAttempts, TimeSpan baseLockout, TimeSpan maxLockout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(freeAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(baseLockout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLockout, baseLockout);
        FreeAttempts = freeAttempts;
        var seconds = new List<double>();
        for (var lockFor = baseLockout; lockFor < maxLockout; lockFor *= 2)
        {
            seconds.Add(lockFor.TotalSeconds);
        }
        seconds.Add(maxLockout.TotalSeconds);
        _lockSeconds = [.. seconds];
    }

    public int FreeAttempts { get; }

    /// <summary>
    /// The lock, in seconds, after <c>FreeAttempts + i</c> failures is element i; the last element is the maximum and
    /// holds for every larger count. SQL indexes it with the stored count, so the arithmetic lives only here.
    /// </summary>
    public IReadOnlyList<double> LockSeconds => _lockSeconds;

    /// <summary>
    /// The largest count worth storing: from here on every failure locks for the maximum, so counters stop growing
    /// instead of overflowing.
    /// </summary>
    public int MaxCount => FreeAttempts + _lockSeconds.Length - 1;

    /// <summary>How long <paramref name="failures"/> consecutive failures lock for; null while they are free.</summary>
    public TimeSpan? LockFor(int failures) =>
        failures < FreeAttempts ? null : TimeSpan.FromSeconds(_lockSeconds[Math.Min(failures - FreeAttempts, _lockSeconds.Length - 1)]);

    /// <summary>How much of a lock is left at <paramref name="now"/>; null when there is none.</summary>
    public static TimeSpan? Remaining(DateTime? lockedUntil, DateTime now) =>
        lockedUntil is { } until && until > now ? until - now : null;
}
