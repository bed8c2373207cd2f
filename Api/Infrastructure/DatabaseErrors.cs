using Npgsql;

namespace Api.Infrastructure;

/// <summary>What a database exception means for the request that met it.</summary>
public static class DatabaseErrors
{
    /// <summary>
    /// The database is down, restarting, unreachable or out of pooled connections: a temporary condition, not a bug.
    /// Nothing was decided, so the client may simply retry.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        // Npgsql reports an exhausted pool and a connect timeout as NpgsqlException wrapping a TimeoutException.
        NpgsqlException { InnerException: TimeoutException } => true,
        TimeoutException => true,
        _ => false,
    };
}
