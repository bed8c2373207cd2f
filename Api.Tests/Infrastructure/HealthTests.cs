using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Api.Tests.Infrastructure;

public sealed class HealthTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("/health/live", "live")]
    [InlineData("/health/ready", "ready")]
    public async Task Health_endpoints_answer_without_a_session(string path, string status)
    {
        using var client = api.Factory.CreateBareClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(status, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_is_503_problem_when_the_database_does_not_answer_while_live_stays_200()
    {
        var unreachable = new Npgsql.NpgsqlConnectionStringBuilder(api.Factory.ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;
        await using var factory = new ApiFactory(unreachable, new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });
        using var client = factory.CreateBareClient();

        using var ready = await client.GetAsync("/health/ready");
        using var live = await client.GetAsync("/health/live");

        await ready.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(ready.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
