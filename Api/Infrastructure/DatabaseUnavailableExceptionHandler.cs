using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Api.Infrastructure;

/// <summary>
/// A database that is down, restarting, unreachable or out of pooled connections is a temporary condition, not a bug:
/// the answer is 503 with Retry-After. Never 401, which would make an SPA drop a session that is still valid, and never
/// 500. Nothing was decided, so the client may simply retry.
/// </summary>
internal sealed partial class DatabaseUnavailableExceptionHandler(
    NpgsqlDataSource dataSource, ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseErrors.IsUnavailable(exception))
        {
            return false;
        }

        LogUnavailable(exception.GetType().Name, exception.Message);
        // Pooled connections to a server that went away are dead; dropping them now spares the next requests a failure each.
        if (exception is NpgsqlException { IsTransient: true })
        {
            dataSource.Clear();
        }

        await Problems.DatabaseUnavailable(httpContext).ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable, answered 503: {Kind}: {Message}")]
    private partial void LogUnavailable(string kind, string message);
}
