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

    [Fact]
    public async Task A_dashboard_view_on_an_expired_session_gets_401_deletes_the_session_and_counts_nothing()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        Assert.Equal(1, await VisitsAsync(token));

        api.Factory.Clock.Advance(TimeSpan.FromDays(2));
        using var response = await _client.GetWithSessionAsync("/dashboard", token);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(ApiClient.SetCookieHeaders(response), c => c.StartsWith("__Host-sid=;", StringComparison.Ordinal));
        Assert.Empty(await StoredVisitsAsync(user));
    }

    [Fact]
    public async Task A_dashboard_view_by_a_disabled_user_gets_401_and_counts_nothing()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        Assert.Equal(1, await VisitsAsync(token));

        await api.Factory.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { user.Id });
        using var response = await _client.GetWithSessionAsync("/dashboard", token);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal([1L], await StoredVisitsAsync(user));
    }

    [Fact]
    public async Task A_dashboard_view_slides_the_session_like_any_authenticated_request()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        api.Factory.Clock.Advance(TimeSpan.FromHours(20));
        var now = api.Factory.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal(1, await VisitsAsync(token));

        Assert.Equal(now + TimeSpan.FromHours(24), await api.Factory.ScalarSqlAsync<DateTime>(
            "SELECT expires_at FROM sessions WHERE user_id = @Id", new { user.Id }));
        api.Factory.Clock.Advance(TimeSpan.FromHours(20));
        Assert.Equal(2, await VisitsAsync(token));
    }

    private Task<IReadOnlyList<long>> StoredVisitsAsync(TestUser user) =>
        api.Factory.QuerySqlAsync<long>("SELECT COALESCE((data ->> 'visits')::bigint, 0) FROM sessions WHERE user_id = @Id", new { user.Id });

    private async Task<long> VisitsAsync(string token)
    {
        using var response = await _client.GetWithSessionAsync("/dashboard", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("visits").GetInt64();
    }
}
