using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Auth;

public sealed class SessionStateTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Without_a_cookie_the_session_check_is_200_not_authenticated_and_sets_nothing()
    {
        using var response = await _client.GetAsync("/session");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("authenticated").GetBoolean());
        Assert.Single(body.EnumerateObject());
        Assert.Empty(ApiClient.SetCookieHeaders(response));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_logged_in_caller_gets_the_same_user_as_the_login_answer_and_the_session_expiries()
    {
        var user = await api.Factory.CreateUserAsync();
        using var login = await _client.PostLoginAsync(user.Email, user.Password, rememberMe: true);
        var loginUser = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user");
        var token = ApiClient.SessionTokenFrom(login)!;

        using var response = await _client.GetWithSessionAsync("/session", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("authenticated").GetBoolean());
        Assert.Equal(loginUser.ToString(), body.GetProperty("user").ToString());
        Assert.True(body.GetProperty("rememberMe").GetBoolean());
        var row = await api.Factory.QuerySqlAsync<(DateTime ExpiresAt, DateTime AbsoluteExpiresAt)>(
            "SELECT expires_at, absolute_expires_at FROM sessions WHERE user_id = @Id", new { user.Id });
        Assert.Equal(row.Single().ExpiresAt, body.GetProperty("expiresAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(row.Single().AbsoluteExpiresAt, body.GetProperty("absoluteExpiresAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task The_session_check_never_slides_the_expiry_where_an_authenticated_read_would()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        api.Factory.Clock.Advance(TimeSpan.FromHours(1));
        const string sql = "SELECT last_seen_at, expires_at FROM sessions WHERE user_id = @Id";
        var before = (await api.Factory.QuerySqlAsync<(DateTime LastSeen, DateTime Expires)>(sql, new { user.Id })).Single();

        using var check = await _client.GetWithSessionAsync("/session", token);
        var afterCheck = (await api.Factory.QuerySqlAsync<(DateTime LastSeen, DateTime Expires)>(sql, new { user.Id })).Single();
        using var profile = await _client.GetWithSessionAsync("/profile", token);
        var afterProfile = (await api.Factory.QuerySqlAsync<(DateTime LastSeen, DateTime Expires)>(sql, new { user.Id })).Single();

        Assert.True((await check.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authenticated").GetBoolean());
        Assert.Empty(ApiClient.SetCookieHeaders(check));
        Assert.Equal(before, afterCheck);
        Assert.True(afterProfile.Expires > before.Expires, "the control: an authenticated read does slide");
    }

    [Fact]
    public async Task A_dead_cookie_is_not_authenticated_and_is_expired_in_the_browser()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        using (await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={token}"))
        {
        }

        using var response = await _client.GetWithSessionAsync("/session", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authenticated").GetBoolean());
        Assert.Contains(ApiClient.SetCookieHeaders(response), h => h.StartsWith(ApiClient.CookieName + "=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_disabled_users_session_is_not_authenticated()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        await api.Factory.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { user.Id });

        using var response = await _client.GetWithSessionAsync("/session", token);

        Assert.False((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authenticated").GetBoolean());
    }
}
