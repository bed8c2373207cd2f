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

    /// <summary>
    /// The pooled connection was dead before the command reached a live server: the server ended it on shutdown
    /// (57P01, 57P02) or the socket was gone. Nothing ran, so a read may be retried on another connection.
    /// </summary>
    public static bool IsDeadConnection(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown } => true,
        PostgresException => false,
        NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or EndOfStreamException } => true,
        _ => false,
    };
}

/// <summary>Reads that survive a database restart the instance slept through.</summary>
public static class DatabaseReads
{
    /// <summary>
    /// Runs <paramref name="read"/> on a pooled connection; if that connection turns out to be dead (the server restarted
    /// or dropped it while it sat in the pool), clears the pool, whose other idle connections are dead too, and runs it
    /// once more on a new physical connection. For reads only: a write whose connection died may have been committed.
    /// </summary>
    public static async Task<T> ReadAsync<T>(this NpgsqlDataSource dataSource, Func<NpgsqlConnection, Task<T>> read, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return await read(connection);
        }
        catch (Exception e) when (DatabaseErrors.IsDeadConnection(e))
        {
            dataSource.Clear();
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return await read(connection);
        }
    }
}

public static class Transactions
{
    /// <summary>
    /// Runs <paramref name="change"/> in a transaction of its own, and commits it unless the change answers
    /// <paramref name="rollBackOn"/> (what it found made it change nothing). An exception rolls it back.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this NpgsqlDataSource dataSource, Func<NpgsqlTransaction, Task<T>> change, Func<T, bool>? rollBackOn = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var result = await change(transaction);
        if (rollBackOn?.Invoke(result) != true)
        {
            await transaction.CommitAsync();
        }
        return result;
    }
}
