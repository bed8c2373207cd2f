using Api.Sessions;

namespace Api.Tests.Sessions;

public sealed class SessionLifetimeRuleTests
{
    private static readonly DateTime Now = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly SessionLifetime Lifetime = new(
        idleTimeout: TimeSpan.FromHours(24), rememberMeLifetime: TimeSpan.FromDays(30), absoluteLifetime: TimeSpan.FromDays(7), touchInterval: TimeSpan.FromMinutes(5));

    [Fact]
    public void A_new_session_expires_after_the_idle_timeout_and_ends_absolutely_after_the_absolute_lifetime()
    {
        var (expiresAt, absoluteExpiresAt) = Lifetime.Start(Now, rememberMe: false);

        Assert.Equal(Now.AddHours(24), expiresAt);
        Assert.Equal(Now.AddDays(7), absoluteExpiresAt);
    }

    [Fact]
    public void A_remember_me_window_longer_than_the_absolute_lifetime_is_capped_by_it()
    {
        var (expiresAt, absoluteExpiresAt) = Lifetime.Start(Now, rememberMe: true);

        Assert.Equal(absoluteExpiresAt, expiresAt);
    }

    [Fact]
    public void Sliding_moves_the_idle_expiry_one_window_on_but_never_past_the_absolute_end()
    {
        var absolute = Now.AddDays(7);

        Assert.Equal(Now.AddHours(30), Lifetime.Slide(Now.AddHours(6), rememberMe: false, absolute));
        Assert.Equal(absolute, Lifetime.Slide(absolute.AddHours(-1), rememberMe: false, absolute));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(299, false)]
    [InlineData(300, true)]
    [InlineData(3600, true)]
    public void Activity_is_written_at_most_once_per_touch_interval(int secondsSinceLastSeen, bool due)
    {
        Assert.Equal(due, Lifetime.IsDueForTouch(Now.AddSeconds(-secondsSinceLastSeen), Now));
        Assert.Equal(Now.AddMinutes(-5), Lifetime.DueIfSeenBefore(Now));
    }

    [Theory]
    [InlineData(1, 10, false)]
    [InlineData(0, 10, true)]
    [InlineData(10, 0, true)]
    public void A_session_is_expired_from_the_earlier_of_its_two_ends_on(int idleEndsInSeconds, int absoluteEndsInSeconds, bool expired) =>
        Assert.Equal(expired, SessionLifetime.IsExpired(Now, Now.AddSeconds(idleEndsInSeconds), Now.AddSeconds(absoluteEndsInSeconds)));
}
