using System.Net;
using System.Threading.Channels;
using Api.Audit;
using Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Sessions;

/// <summary>
/// Sessions whose logout could not reach the database. The browser has already dropped the cookie; this deletes the row
/// as soon as the database answers again, retrying with backoff, and gives up only once the session would have expired
/// anyway. Held in memory: a process that stops meanwhile leaves the row to expire as usual.
/// </summary>
public sealed partial class DeferredRevocations(
    NpgsqlDataSource dataSource, SessionStore sessions, SessionCache cache, AuditTrail audit, TimeProvider time, IOptions<SessionOptions> options, ILogger<DeferredRevocations> logger)
    : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Logout needs no session and no rate limit, so during an outage anyone can send token-shaped cookies by the
    /// million: the queue is bounded, and past the bound a deletion is not queued (that session expires as usual).
    /// </summary>
    internal const int Capacity = 10_000;

    private readonly Channel<(byte[] TokenHash, DateTime GiveUpAt, IPAddress? Ip, string? UserAgent)> _pending =
        Channel.CreateBounded<(byte[], DateTime, IPAddress?, string?)>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Queues the deletion; no session outlives its absolute lifetime, so neither does the retrying.</summary>
    /// <summary>The logout's client is kept for its audit event, written when the deletion finally runs.</summary>
    public void Enqueue(byte[] tokenHash, HttpContext http)
    {
        var (ip, userAgent) = AuditEvent.Client(http);
        _pending.Writer.TryWrite((tokenHash, time.GetUtcNow().UtcDateTime + options.Value.AbsoluteLifetime, ip, userAgent));
    }

    /// <summary>Deletions waiting for the database.</summary>
    internal int Pending => _pending.Reader.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (tokenHash, giveUpAt, ip, userAgent) in _pending.Reader.ReadAllAsync(stoppingToken))
        {
            // Retry pacing is wall-clock time (a test clock that stands still must not stall it); the deadline is the
            // application's time, like every expiry.
            for (var wait = FirstRetry; time.GetUtcNow().UtcDateTime < giveUpAt; wait = Min(wait * 2, LongestRetry))
            {
                try
                {
                    await dataSource.InTransactionAsync(async transaction =>
                    {
                        if (await sessions.DeleteByTokenHashAsync(transaction, tokenHash, SessionEndReason.Logout) is { } ended)
                        {
                            await audit.WriteAsync(transaction, new AuditEvent(AuditEventTypes.Logout, ended.UserId, ended.UserId, ended.Id, ip, userAgent,
                                new Dictionary<string, string> { ["deferred"] = "true" }));
                        }
                        return true;
                    });
                    cache.EvictToken(tokenHash, SessionCacheEviction.Changed);
                    LogRevoked();
                    break;
                }
                catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
                {
                    LogRetrying(wait.TotalSeconds);
                    await Task.Delay(wait, stoppingToken);
                }
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "A session whose logout was deferred is now deleted")]
    private partial void LogRevoked();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deferred logout: the database is still unavailable; retrying in {Seconds} s")]
    private partial void LogRetrying(double seconds);
}
