using System.Diagnostics;
using System.Net.Http.Json;
using Api.Auth;
using Api.Tests.Infrastructure;
using Npgsql;

namespace Api.Tests.Auth;

/// <summary>
/// What a request for a link reveals: nothing. Its worker is taken out here, so the statements the request itself runs
/// can be counted (pg_stat_statements) and its timing measured apart from the mail that may follow.
/// </summary>
[CollectionDefinition(nameof(AccountEnumerationTests), DisableParallelization = true)]
public sealed class TimingTestGroup;

/// <summary>Timing is compared alone: other test classes running beside it would add their own noise to one side.</summary>
[Collection(nameof(AccountEnumerationTests))]
public sealed class AccountEnumerationTests(ApiFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    private const string ThisDatabase = "(SELECT oid FROM pg_database WHERE datname = current_database())";

    [Theory]
    [InlineData("/password/forgot")]
    [InlineData("/email/verify/resend")]
    public async Task A_request_for_a_link_runs_the_same_statements_with_the_same_answer_and_timing_whether_or_not_the_account_exists(string path)
    {
        using var api = fixture.Factory.Without<AccountRequestWorker>();
        using var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        var database = new NpgsqlConnectionStringBuilder(fixture.Factory.ConnectionString) { NoResetOnClose = true }.ConnectionString;
        await TestSql.ExecuteSqlAsync(database, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        // Written with SQL on the connection string: the fixture's own host is never started (the factory's overload would
        // start it, to wait for its session cache), so no other worker answers these requests.
        var known = $"known-{Guid.NewGuid():N}@example.com";
        await TestSql.ExecuteSqlAsync(database, """
            INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
            VALUES (@known, 'Known', 'user', 'not a hash', now(), now())
            """, new { known });
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";

        // Alternating requests, compared pair by pair: a pause of the machine that hits one request of a pair moves that
        // pair's difference only, and the median of the differences ignores it. A machine loaded for a whole
        // measurement can still move that median, so when it is over the limit another measurement joins it, up to
        // three: the judgement is always on every pair so far, never on a lucky measurement alone.
        var (knownTimes, unknownTimes) = (new List<double>(), new List<double>());
        var attempts = 0;
        bool within;
        do
        {
            attempts++;
            var (known1, unknown1) = await MeasureAsync(client, database, path, known, unknown);
            knownTimes.AddRange(known1);
            unknownTimes.AddRange(unknown1);
            var (knownMedian, unknownMedian) = (Median(knownTimes), Median(unknownTimes));
            var difference = Median([.. knownTimes.Zip(unknownTimes, (a, b) => a - b)]);
            within = Math.Abs(difference) < Math.Max(1, 0.25 * Math.Min(knownMedian, unknownMedian));
            output.WriteLine($"{path}, {knownTimes.Count} pairs: median {knownMedian:0.00} ms with an account, "
                + $"{unknownMedian:0.00} ms without, median difference {difference:0.00} ms");
        }
        while (!within && attempts < 3);
        Assert.True(within, $"{path}: the timing differed over all {knownTimes.Count} pairs (see the output)");
        Assert.Equal(2 * Rounds * attempts, await fixture.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM account_requests WHERE purpose = @purpose",
            new { purpose = path == "/password/forgot" ? "password_reset" : "email_verification" }));
    }

    /// <summary>
    /// Asks for the link for each address in turn, <see cref="Rounds"/> times, and asserts that both got the same answer
    /// and ran the same statements; returns each request's time in ms, pair by pair.
    /// </summary>
    private static async Task<(List<double> Known, List<double> Unknown)> MeasureAsync(
        HttpClient client, string database, string path, string known, string unknown)
    {
        var answers = new Dictionary<string, string>();
        var statements = new Dictionary<string, IReadOnlyList<string>>();
        var timings = new Dictionary<string, List<double>> { [known] = [], [unknown] = [] };
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var email in new[] { known, unknown })
            {
                await TestSql.ExecuteSqlAsync(database, $"SELECT pg_stat_statements_reset(0, {ThisDatabase}, 0)");
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsJsonAsync(path, new { email });
                timings[email].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                answers[email] = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                statements[email] = await TestSql.QuerySqlAsync<string>(database, $"""
                    SELECT query || ' x' || calls FROM pg_stat_statements
                    WHERE dbid = {ThisDatabase} AND calls > 0 AND query NOT LIKE '%pg_stat_statements%' ORDER BY query
                    """);
            }
        }

        Assert.Equal(answers[known], answers[unknown]);
        Assert.StartsWith("202 ", answers[known], StringComparison.Ordinal);
        Assert.Equal(statements[known], statements[unknown]);
        Assert.Matches(@"^INSERT INTO account_requests\b[\s\S]* x1$", Assert.Single(statements[known]));
        return (timings[known], timings[unknown]);
    }

    private const int Rounds = 41;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
