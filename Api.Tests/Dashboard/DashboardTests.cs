using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Dashboard;

public sealed class DashboardTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Dashboard_counts_this_sessions_visits_and_a_new_session_starts_again_at_one()
    {
        var user = await api.Factory.CreateUserAsync();
        var first = await _client.LoginAsync(user);

        Assert.Equal(1, await VisitsAsync(first));
        Assert.Equal(2, await VisitsAsync(first));
        Assert.Equal(3, await VisitsAsync(first));

        var second = await _client.LoginAsync(user);
        Assert.Equal(1, await VisitsAsync(second));
        Assert.Equal(4, await VisitsAsync(first));
    }

    [Fact]
    public async Task Dashboard_includes_the_user()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var response = await _client.GetWithSessionAsync("/dashboard", token);

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user.Email, body.GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Dashboard_without_a_session_gets_401_problem()
    {
        using var response = await _client.GetAsync("/dashboard");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<long> VisitsAsync(string token)
    {
        using var response = await _client.GetWithSessionAsync("/dashboard", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("visits").GetInt64();
    }
}
