using Api.Sessions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Api.Tests.Infrastructure;

/// <summary>
/// Raw access to a test's database, for arranging rows and checking what the API wrote: each call runs one statement
/// on a pooled connection of its own. The overloads taking a connection string serve databases no
/// <see cref="ApiFactory"/> runs on, such as those of API processes.
/// </summary>
public static class TestSql
{
    /// <summary>
    /// Runs the statement, then waits until the API's session cache has applied what it published: a change made by
    /// hand reaches an instance through its listener, a moment after the commit, not at once (README, "Session cache").
    /// It starts the factory's host if it was not running; a test that must keep it stopped uses the connection string.
    /// </summary>
    public static async Task<int> ExecuteSqlAsync(this ApiFactory factory, string sql, object? parameters = null)
    {
        var cache = factory.Services.GetRequiredService<SessionCache>();
        var heard = cache.HeartbeatsHeard;
        var rows = await ExecuteSqlAsync(factory.ConnectionString, sql, parameters);
        await CatchUpAsync(cache, factory.ConnectionString, heard);
        return rows;
    }

    /// <summary>
    /// Waits until the instance heard two heartbeats after <paramref name="heardBefore"/>: at most one was on its way
    /// before, so the second was committed after, and PostgreSQL delivers notifications in commit order. Two sent from
    /// here (its own payload) make that quick instead of up to an interval.
    /// </summary>
    public static async Task CatchUpAsync(SessionCache cache, string connectionString, long heardBefore)
    {
        if (!cache.Enabled)
        {
            return;
        }
        for (var i = 0; i < 2; i++)
        {
            await ExecuteSqlAsync(connectionString, "SELECT pg_notify('session_cache', @payload)", new { payload = cache.HeartbeatPayload });
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cache.HeartbeatsHeard < heardBefore + 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "The session cache's listener did not hear its heartbeats within 30 s.");
            await Task.Delay(1);
        }
    }

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
