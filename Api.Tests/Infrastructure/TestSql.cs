using Dapper;
using Npgsql;

namespace Api.Tests.Infrastructure;

/// <summary>Raw access to a test's database, for arranging rows and checking what the API wrote.</summary>
public static class TestSql
{
    public static async Task<int> ExecuteSqlAsync(this ApiFactory factory, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        return await connection.ExecuteAsync(sql, parameters);
    }

    public static async Task<T> ScalarSqlAsync<T>(this ApiFactory factory, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public static async Task<IReadOnlyList<T>> QuerySqlAsync<T>(this ApiFactory factory, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        return (await connection.QueryAsync<T>(sql, parameters)).AsList();
    }
}
