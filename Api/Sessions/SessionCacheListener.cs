using System.Globalization;
using Api.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Sessions;

/// <summary>
/// Keeps <see cref="SessionCache"/> honest: LISTENs on <see cref="Channel"/>, where the triggers of migration 0011
/// publish every change that matters to a cached session, and evicts what changed. It holds a connection of its own,
/// outside the pool and named <see cref="ApplicationName"/>, and about once a <see cref="SessionCacheOptions.HeartbeatInterval"/>
/// notifies itself on it: the cache serves only while these heartbeats come back on time. A lost connection empties the
/// cache, which is bypassed until the listener is back and heard its first heartbeat.
/// </summary>
internal sealed partial class SessionCacheListener(
    SessionCache cache, IConfiguration configuration, IOptions<DatabaseOptions> database, IOptions<SessionCacheOptions> options,
    ILoggerFactory loggerFactory, ILogger<SessionCacheListener> logger) : BackgroundService
{
    public const string Channel = "session_cache";
    public const string ApplicationName = "session-auth-api-session-cache";
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromSeconds(2);
    private readonly SessionCacheOptions _settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled)
        {
            return;
        }
        await using var dataSource = CreateDataSource();
        var retryDelay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            var heard = false;
            try
            {
                await ListenAsync(dataSource, () => heard = true, stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                cache.ListenerLost();
                LogListenerLost(logger, e);
            }
            retryDelay = heard ? TimeSpan.FromMilliseconds(100) : Min(retryDelay * 2, LongestRetryDelay);
            try
            {
                await Task.Delay(retryDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ListenAsync(NpgsqlDataSource dataSource, Action heard, CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) => ApplySafely(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }
        cache.Listening();
        heard();
        LogListening(logger);
        // PostgreSQL delivers a session's own notification as its transaction commits, within this command's answer, and
        // after every notification committed before it: a heartbeat back means everything before it was applied.
        await using var heartbeat = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
        heartbeat.Parameters.Add(new NpgsqlParameter<string>("channel", Channel));
        heartbeat.Parameters.Add(new NpgsqlParameter<string>("payload", cache.HeartbeatPayload));
        var interval = _settings.HeartbeatInterval;
        while (true)
        {
            var sentAt = TimeProvider.System.GetTimestamp();
            await heartbeat.ExecuteNonQueryAsync(stoppingToken);
            TimeSpan left;
            while ((left = interval - TimeProvider.System.GetElapsedTime(sentAt)) > TimeSpan.Zero)
            {
                // Npgsql takes whole milliseconds and waits forever for 0: a rest under 1 ms must still be a timeout.
                await connection.WaitAsync(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), stoppingToken);
            }
        }
    }

    /// <summary>
    /// Npgsql logs and swallows what a notification handler throws: an invalidation that failed half-way must not be
    /// lost with it, so the whole cache goes instead.
    /// </summary>
    private void ApplySafely(string payload)
    {
        try
        {
            Apply(payload);
        }
        catch (Exception e)
        {
            cache.Clear(SessionCacheEviction.Notified);
            LogApplyFailed(logger, e);
        }
    }

    private void Apply(string payload)
    {
        if (payload == cache.HeartbeatPayload)
        {
            cache.Heartbeat();
        }
        else if (payload.StartsWith("h:", StringComparison.Ordinal))
        {
            // Another instance's heartbeat.
        }
        else if (payload.StartsWith("s:", StringComparison.Ordinal) && SessionIds(payload.AsSpan(2)) is { } sessionIds)
        {
            foreach (var sessionId in sessionIds)
            {
                cache.EvictSession(sessionId, SessionCacheEviction.Notified);
            }
        }
        else if (payload.StartsWith("u:", StringComparison.Ordinal)
                 && long.TryParse(payload.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var userId))
        {
            cache.EvictUser(userId, SessionCacheEviction.Notified);
        }
        else
        {
            // '*' (a truncated table), or anything this version does not know: nothing cached is trusted any more.
            cache.Clear(SessionCacheEviction.Notified);
        }
    }

    /// <summary>The comma-separated session ids of an 's:' payload (one, or a deleting statement's batch), or null.</summary>
    private static List<Guid>? SessionIds(ReadOnlySpan<char> list)
    {
        var ids = new List<Guid>();
        foreach (var range in list.Split(','))
        {
            if (!Guid.TryParse(list[range], out var id))
            {
                return null;
            }
            ids.Add(id);
        }
        return ids;
    }

    private NpgsqlDataSource CreateDataSource()
    {
        var settings = new NpgsqlConnectionStringBuilder(_settings.ListenConnectionString ?? configuration.GetConnectionString("Postgres"))
        {
            // One long-lived connection: a pooled one could be handed back still listening, or be a proxy's shared one.
            Pooling = false,
            ApplicationName = ApplicationName,
            Timeout = (int)Math.Ceiling(database.Value.ConnectTimeout.TotalSeconds),
            CommandTimeout = (int)Math.Ceiling(database.Value.CommandTimeout.TotalSeconds),
            CancellationTimeout = -1,
        };
        return new NpgsqlDataSourceBuilder(settings.ConnectionString).UseLoggerFactory(loggerFactory).Build();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "The session cache listens for invalidations")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "The session cache could not apply a notification; it was emptied instead")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "The session cache lost its listener; it is emptied and bypassed until the listener is back")]
    private static partial void LogListenerLost(ILogger logger, Exception exception);
}
