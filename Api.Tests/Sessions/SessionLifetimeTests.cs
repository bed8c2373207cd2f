using System.Net;
using Api.Tests.Infrastructure;

namespace Api.Tests.Sessions;

public sealed class SessionLifetimeTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly TimeSpan Idle = TimeSpan.FromHours(24);
    private static readonly TimeSpan Touch = TimeSpan.FromMinutes(5);
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_request_inside_the_touch_interval_writes_nothing_to_the_session_row()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var before = await RowAsync(user);

        api.Factory.Clock.Advance(Touch - TimeSpan.FromSeconds(1));
        using var response = await _client.GetWithSessionAsync("/profile", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await RowAsync(user);
        Assert.Equal(before, after);
        Assert.Empty(ApiClient.SetCookieHeaders(response));
    }

    [Fact]
    public async Task A_request_after_the_touch_interval_slides_the_expiry_once()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var before = await RowAsync(user);

        api.Factory.Clock.Advance(Touch);
        var now = api.Factory.Clock.GetUtcNow().UtcDateTime;
        using (var first = await _client.GetWithSessionAsync("/profile", token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        var touched = await RowAsync(user);
        using (var second = await _client.GetWithSessionAsync("/profile", token))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        Assert.NotEqual(before.Xmin, touched.Xmin);
        Assert.Equal(now, touched.LastSeenAt);
        Assert.Equal(now + Idle, touched.ExpiresAt);
        Assert.Equal(touched, await RowAsync(user));
    }

    [Fact]
    public async Task Activity_keeps_a_session_alive_past_the_idle_timeout_and_idleness_ends_it()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        for (var i = 0; i < 3; i++)
        {
            api.Factory.Clock.Advance(TimeSpan.FromHours(20));
            await _client.AssertSessionAliveAsync(token);
        }
        api.Factory.Clock.Advance(Idle);
        await _client.AssertSessionDeadAsync(token);
        Assert.Equal(0, await CountSessionsAsync(user));
    }

    [Fact]
    public async Task No_activity_extends_a_session_past_its_absolute_lifetime()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user, rememberMe: true);

        for (var day = 0; day < 29; day++)
        {
            api.Factory.Clock.Advance(TimeSpan.FromDays(1));
            await _client.AssertSessionAliveAsync(token);
        }
        api.Factory.Clock.Advance(TimeSpan.FromDays(1));
        await _client.AssertSessionDeadAsync(token);
        Assert.Equal(0, await CountSessionsAsync(user));
    }

    [Fact]
    public async Task A_remember_me_cookie_is_reissued_with_a_fresh_max_age_capped_by_the_absolute_lifetime()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user, rememberMe: true);

        api.Factory.Clock.Advance(TimeSpan.FromDays(1));
        using var response = await _client.GetWithSessionAsync("/profile", token);

        var setCookie = Assert.Single(ApiClient.SetCookieHeaders(response)).Split("; ");
        Assert.Equal($"__Host-sid={token}", setCookie[0]);
        Assert.Contains($"max-age={(int)TimeSpan.FromDays(29).TotalSeconds}", setCookie);
        Assert.Contains("httponly", setCookie);
        Assert.Contains("samesite=strict", setCookie);
    }

    [Fact]
    public async Task A_session_cookie_without_remember_me_is_never_given_a_max_age_when_sliding()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        api.Factory.Clock.Advance(TimeSpan.FromHours(1));
        using var response = await _client.GetWithSessionAsync("/profile", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(ApiClient.SetCookieHeaders(response));
    }

    [Fact]
    public async Task Fifty_concurrent_dashboard_views_on_one_session_count_exactly_fifty()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _client.GetWithSessionAsync("/dashboard", token)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(50, await api.Factory.ScalarSqlAsync<long>(
            "SELECT (data ->> 'visits')::bigint FROM sessions WHERE user_id = @Id", new { user.Id }));
    }

    private sealed record SessionRowState(string Xmin, DateTime LastSeenAt, DateTime ExpiresAt);

    // xmin changes with every write to the row, so an unchanged xmin proves the request wrote nothing.
    private async Task<SessionRowState> RowAsync(TestUser user) =>
        Assert.Single(await api.Factory.QuerySqlAsync<SessionRowState>(
            "SELECT xmin::text AS xmin, last_seen_at, expires_at FROM sessions WHERE user_id = @Id", new { user.Id }));

    private Task<int> CountSessionsAsync(TestUser user) =>
        api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id });
}
