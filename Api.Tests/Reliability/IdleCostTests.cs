using Api.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Api.Tests.Reliability;

/// <summary>
/// An idle API costs its database almost nothing: background jobs poll every few seconds at most, and the session cache's
/// listener sends its heartbeat once a second on its own connection.
/// </summary>
[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
public sealed class IdleCostTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_idle_instance_issues_its_heartbeat_and_less_than_one_other_statement_a_second()
    {
        var database = new NpgsqlConnectionStringBuilder(await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync()) { NoResetOnClose = true }.ConnectionString;
        await TestSql.ExecuteSqlAsync(database, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        var dbid = await TestSql.ScalarSqlAsync<uint>(database, "SELECT oid FROM pg_database WHERE datname = current_database()");
        // With an SMTP server configured, so the outbox dispatcher polls too (nothing listens there: no mail is due), and
        // the session cache on whatever the suite's pass, so its listener sends heartbeats.
        await using var api = ApiProcess.Start(database, new Dictionary<string, string>
        {
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = "1",
            ["Email:From"] = "api@example.com",
            ["Session:Cache:Enabled"] = "true",
        });
        await api.WaitUntilLiveAsync();
        // Startup's own work (migrations, the key ring, the first job runs) is not idling.
        await Task.Delay(TimeSpan.FromSeconds(3));

        await TestSql.ExecuteSqlAsync(database, $"SELECT pg_stat_statements_reset(0, {dbid}, 0)");
        await Task.Delay(Idle);
        var statements = await TestSql.QuerySqlAsync<(string Query, long Calls)>(database, $"""
            SELECT query, calls FROM pg_stat_statements
            WHERE dbid = {dbid} AND calls > 0 AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC
            """);

        foreach (var (query, calls) in statements)
        {
            output.WriteLine($"{calls,4} {query.ReplaceLineEndings(" ")}");
        }
        var heartbeats = statements.Where(s => s.Query.Contains("pg_notify", StringComparison.Ordinal)).Sum(s => s.Calls);
        var others = statements.Sum(s => s.Calls) - heartbeats;
        output.WriteLine($"{heartbeats} heartbeats and {others} other statements in {Idle.TotalSeconds} s idle");
        Assert.InRange(heartbeats, 1, (long)Idle.TotalSeconds + 1);
        Assert.True(others < Idle.TotalSeconds, $"{others} statements besides the heartbeats in {Idle.TotalSeconds} s idle");
    }
}
