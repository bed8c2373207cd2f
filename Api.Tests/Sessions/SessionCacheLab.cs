using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Api.Tests.Sessions;

/// <summary>A <see cref="SessionCache"/> without a listener or a database, and sessions to put in it.</summary>
public static class SessionCacheLab
{
    /// <summary>A cache that serves: as if its listener were connected and had just heard its heartbeat.</summary>
    public static SessionCache ServingCache(TestClock clock, int maxEntries = 100, TimeSpan? maxAge = null, TimeSpan? heartbeat = null, ApiMetrics? metrics = null)
    {
        var cache = Cache(clock, maxEntries, maxAge, heartbeat, metrics);
        cache.Listening();
        cache.Heartbeat();
        return cache;
    }

    public static SessionCache Cache(TestClock clock, int maxEntries = 100, TimeSpan? maxAge = null, TimeSpan? heartbeat = null, ApiMetrics? metrics = null) =>
        new(Options.Create(new SessionCacheOptions
        {
            MaxEntries = maxEntries,
            MaxAge = maxAge ?? TimeSpan.FromMinutes(5),
            HeartbeatInterval = heartbeat ?? TimeSpan.FromMinutes(1),
        }), clock, metrics ?? NoMetrics());

    public static ApiMetrics NoMetrics() => new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    public static byte[] Hash() => RandomNumberGenerator.GetBytes(32);

    /// <summary>A session as a lookup returns it: every string its own object, as Npgsql reads them.</summary>
    public static AuthenticatedSession Session(TestClock clock, long userId, string name = "User")
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new AuthenticatedSession
        {
            SessionId = Guid.NewGuid(),
            UserId = userId,
            Email = $"user-{userId}@example.com",
            Name = name,
            Role = new string(Roles.User),
            UserCreatedAt = now,
            SessionCreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now.AddHours(1),
            AbsoluteExpiresAt = now.AddDays(30),
            RememberMe = false,
        };
    }
}
