using Dapper;
using Npgsql;

namespace Api.Tests.Infrastructure;

/// <summary>
/// Raw access to a test's database, for arranging rows and checking what the API wrote: each call runs one statement
/// on a pooled connection of its own. The overloads taking a connection string serve databases no
/// <see cref="ApiFactory"/> runs on, such as those of API processes.
/// </summary>
public static class TestSql
{
    public static Task<int> ExecuteSqlAsync(this ApiFactory factory, string sql, object? parameters = null) =>
        ExecuteSqlAsync(factory.ConnectionString, sql, parameters);

    public static Task<T> ScalarSqlAsync<T>(this ApiFactory factory, string sql, object? parameters = null) =>
        ScalarSqlAsync<T>(factory.ConnectionString, sql, parameters);

    public static Task<IReadOnlyList<T>> QuerySqlAsync<T>(this ApiFactory factory, string sql, object? parameters = null) =>
        QuerySqlAsync<T>(factory.ConnectionString, sql, parameters);

    public static async Task<int> ExecuteSqlAsync(string connectionString, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteAsync(sql, parameters);
    }

    public static async Task<T> ScalarSqlAsync<T>(string connectionString, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public static async Task<IReadOnlyList<T>> QuerySqlAsync<T>(string connectionString, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<T>(sql, parameters)).AsList();
    }
}
