using System.Net;
using Api.Tests.Infrastructure;

namespace Api.Tests.Auth;

public sealed class LogoutTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Logout_deletes_the_session_row_and_expires_the_cookie_with_the_same_attributes()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var response = await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={token}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var attributes = Assert.Single(ApiClient.SetCookieHeaders(response)).Split("; ");
        Assert.Equal("__Host-sid=", attributes[0]);
        Assert.Contains(attributes, a => a.StartsWith("expires=Thu, 01 Jan 1970", StringComparison.Ordinal));
        Assert.Contains("path=/", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);

        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id }));
    }

    [Fact]
    public async Task A_cookie_replayed_after_logout_gets_401()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        using var logout = await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={token}");

        await _client.AssertSessionDeadAsync(token);
    }

    [Fact]
    public async Task Logout_without_a_session_still_returns_204()
    {
        using var response = await _client.PostAsync("/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Logout_ends_only_its_own_session()
    {
        var user = await api.Factory.CreateUserAsync();
        var laptop = await _client.LoginAsync(user);
        var phone = await _client.LoginAsync(user);

        using var logout = await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={laptop}");
        await _client.AssertSessionAliveAsync(phone);
    }
}
