using System.Net;
using Api.Tests.Infrastructure;
using Npgsql;

namespace Api.Tests.Sessions;

/// <summary>No timer fires during these tests, so every statement in the database is a request's or the test's own.</summary>
public sealed class RoundTripFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Session:CleanupInterval"] = "01:00:00",
        ["LoginThrottle:CleanupInterval"] = "01:00:00",
    };
}

/// <summary>
/// PostgreSQL counts the statements it executes in pg_stat_statements, which LocalCluster preloads; a server from
/// TEST_DATABASE_URL without it in shared_preload_libraries fails these tests.
/// </summary>
public sealed class RoundTripTests(RoundTripFixture api) : IClassFixture<RoundTripFixture>
{
    private const string ThisDatabase = "(SELECT oid FROM pg_database WHERE datname = current_database())";
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    // Npgsql resets a pooled connection it hands out again with a DISCARD ALL, a statement of its own; without that
    // the test's connections run only the statements the test sends.
    private readonly string _database = new NpgsqlConnectionStringBuilder(api.Factory.ConnectionString) { NoResetOnClose = true }.ConnectionString;

    [Theory]
    [InlineData("/profile", @"^SELECT\b[\s\S]*\bFROM sessions\b")]
    [InlineData("/dashboard", @"^UPDATE sessions\b")]
    [InlineData("/session", @"^SELECT\b[\s\S]*\bFROM sessions\b")]
    public async Task An_authenticated_request_inside_the_touch_interval_costs_one_sql_statement(string path, string statement)
    {
        await TestSql.ExecuteSqlAsync(_database, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        // The first use of the hot statement on a pooled connection prepares it, in a round trip of its own; the steady
        // state is what counts.
        for (var i = 0; i < 3; i++)
        {
            using var warmUp = await _client.GetWithSessionAsync(path, token);
        }
        await TestSql.ExecuteSqlAsync(_database, $"SELECT pg_stat_statements_reset(0, {ThisDatabase}, 0)");

        using var response = await _client.GetWithSessionAsync(path, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The reset and this query are statements too, and the only ones that name pg_stat_statements.
        var executed = await TestSql.QuerySqlAsync<(string Query, long Calls)>(_database, $"""
            SELECT query, calls FROM pg_stat_statements
            WHERE dbid = {ThisDatabase} AND calls > 0 AND query NOT LIKE '%pg_stat_statements%'
            """);
        var (query, calls) = Assert.Single(executed);
        Assert.Equal(1, calls);
        Assert.Matches(statement, query);
    }

    [Fact]
    public async Task A_session_check_without_a_cookie_costs_no_sql_statement()
    {
        await TestSql.ExecuteSqlAsync(_database, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await TestSql.ExecuteSqlAsync(_database, $"SELECT pg_stat_statements_reset(0, {ThisDatabase}, 0)");

        using var response = await _client.GetAsync("/session");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var executed = await TestSql.QuerySqlAsync<string>(_database, $"""
            SELECT query FROM pg_stat_statements
            WHERE dbid = {ThisDatabase} AND calls > 0 AND query NOT LIKE '%pg_stat_statements%'
            """);
        Assert.Empty(executed);
    }
}
