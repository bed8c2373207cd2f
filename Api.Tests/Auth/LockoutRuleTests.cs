using Api.Auth;

namespace Api.Tests.Auth;

public sealed class LockoutRuleTests
{
    private static readonly Lockout Default = new(5, TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(15));

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void The_free_attempts_lock_nothing(int failures) => Assert.Null(Default.LockFor(failures));

    [Theory]
    [InlineData(5, 15)]
    [InlineData(6, 30)]
    [InlineData(7, 60)]
    [InlineData(10, 480)]
    [InlineData(11, 900)]
    [InlineData(12, 900)]
    public void Each_failure_past_the_free_attempts_doubles_the_lock_up_to_the_max(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Default.LockFor(failures));

    [Theory]
    [InlineData(1_025)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue)]
    public void Any_count_however_large_locks_for_the_max(int failures) =>
        Assert.Equal(TimeSpan.FromMinutes(15), Default.LockFor(failures));

    [Fact]
    public void Counting_stops_where_every_lock_is_the_max()
    {
        Assert.Equal(11, Default.MaxCount);
        Assert.Equal(TimeSpan.FromMinutes(15), Default.LockFor(Default.MaxCount));
        Assert.Equal(TimeSpan.FromSeconds(480), Default.LockFor(Default.MaxCount - 1));
    }

    [Fact]
    public void The_widest_settings_keep_a_short_schedule()
    {
        var widest = new Lockout(1000, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));

        Assert.Equal(TimeSpan.FromSeconds(1), widest.LockFor(1000));
        Assert.Equal(TimeSpan.FromDays(30), widest.LockFor(int.MaxValue));
        Assert.True(widest.LockSeconds.Count <= 23);
    }

    [Fact]
    public void A_max_equal_to_the_base_locks_for_the_base_every_time()
    {
        var flat = new Lockout(3, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromMinutes(1), flat.LockFor(3));
        Assert.Equal(TimeSpan.FromMinutes(1), flat.LockFor(int.MaxValue));
    }

    [Fact]
    public void Remaining_is_null_once_the_lock_has_ended()
    {
        var now = new DateTime(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);

        Assert.Null(Lockout.Remaining(null, now));
        Assert.Null(Lockout.Remaining(now, now));
        Assert.Equal(TimeSpan.FromSeconds(3), Lockout.Remaining(now.AddSeconds(3), now));
    }
}
