using System.Data;
using Dapper;
using Npgsql;

namespace Api.Infrastructure;

/// <summary>
/// The few statements every authenticated request runs, prepared explicitly on each physical connection the first time
/// they meet it. Preparing skips PostgreSQL's parse and plan: measured in bench/README.md, it is most of the server's
/// work for a session lookup. Npgsql's automatic preparation would do the same for every statement, but an error on the
/// execution that auto-prepares a statement corrupts the connection (npgsql issue #6391, see DatabaseOptions.AutoPrepare).
/// Here preparation is a round trip of its own that carries no data, so no request's input can make it fail, and an
/// execution of a prepared statement that fails leaves it usable (StatementErrorTests).
/// </summary>
public static class Prepared
{
    /// <summary>The row as <typeparamref name="T"/> (mapped the way Dapper maps), or default when there is none.</summary>
    public static async Task<T?> QuerySingleOrDefaultAsync<T>(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        await using var command = await PrepareAsync(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow);
        return await reader.ReadAsync() ? reader.GetRowParser<T>()(reader) : default;
    }

    /// <summary>The number of rows the statement changed.</summary>
    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        await using var command = await PrepareAsync(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    // Preparing a statement this connection has already prepared costs nothing: Npgsql knows it by its text.
    private static async Task<NpgsqlCommand> PrepareAsync(NpgsqlConnection connection, string sql, NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await command.PrepareAsync();
        return command;
    }
}
