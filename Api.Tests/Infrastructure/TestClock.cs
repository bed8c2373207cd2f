namespace Api.Tests.Infrastructure;

/// <summary>A clock tests move by hand, so expiry is tested without sleeping.</summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset _now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset now) => _now = now;
}
