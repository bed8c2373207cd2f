using System.Net;
using Api.Tests.Infrastructure;

namespace Api.Tests.Sessions;

/// <summary>Npgsql logs every command it executes at Information; no timer fires during these tests.</summary>
public sealed class CommandLoggingFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Npgsql.Command"] = "Information",
        ["Session:CleanupInterval"] = "01:00:00",
    };
}

public sealed class RoundTripTests(CommandLoggingFixture api) : IClassFixture<CommandLoggingFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Theory]
    [InlineData("/profile", "SELECT")]
    [InlineData("/dashboard", "UPDATE sessions")]
    public async Task An_authenticated_request_inside_the_touch_interval_costs_one_sql_statement(string path, string statement)
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        // The first use of the hot statement on a pooled connection prepares it, in a round trip of its own; the steady
        // state is what counts.
        for (var i = 0; i < 3; i++)
        {
            using var warmUp = await _client.GetWithSessionAsync(path, token);
        }
        api.Factory.Logs.Clear();

        using var response = await _client.GetWithSessionAsync(path, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var executed = Assert.Single(api.Factory.Logs, line => line.StartsWith("Information Npgsql.Command:", StringComparison.Ordinal));
        Assert.Contains(statement, executed, StringComparison.Ordinal);
    }
}
