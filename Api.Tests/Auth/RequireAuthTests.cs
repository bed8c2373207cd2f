using System.Net;
using Api.Tests.Infrastructure;

namespace Api.Tests.Auth;

public sealed class RequireAuthTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string[] SessionCodes = ["session_required", "session_expired"];
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    public static TheoryData<string?> HostileCookieHeaders => new()
    {
        null,
        "__Host-sid=",
        "__Host-sid=" + new string('A', 43),
        "__Host-sid=not-a-token",
        "__Host-sid=" + new string('x', 8 * 1024),
        "__Host-sid=%00%01%02",
        "__Host-sid=" + new string('+', 43),
        "__Host-sid=\"quoted\"",
        "other=1; session=2",
        string.Join("; ", Enumerable.Range(0, 200).Select(i => $"c{i}=v{i}")),
    };

    [Theory]
    [MemberData(nameof(HostileCookieHeaders))]
    public async Task Requests_without_a_valid_cookie_get_401_problem_on_every_protected_endpoint(string? cookieHeader)
    {
        foreach (var path in new[] { "/profile", "/dashboard", "/admin/users" })
        {
            using var response = await _client.SendWithCookieAsync(HttpMethod.Get, path, cookieHeader);

            var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains(problem.GetProperty("code").GetString(), SessionCodes);
        }
    }

    [Theory]
    [MemberData(nameof(HostileCookieHeaders))]
    public async Task The_session_check_answers_any_cookie_header_with_200_not_authenticated(string? cookieHeader)
    {
        using var response = await _client.SendWithCookieAsync(HttpMethod.Get, "/session", cookieHeader);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"authenticated\":false}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task No_cookie_is_session_required_and_a_cookie_whose_session_ended_is_session_expired()
    {
        var user = await api.Factory.CreateUserAsync();
        var loggedOut = await _client.LoginAsync(user);
        using (await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={loggedOut}"))
        {
        }
        var timedOut = await _client.LoginAsync(user);
        api.Factory.Clock.Advance(TimeSpan.FromDays(40));

        using var none = await _client.GetAsync("/profile");
        using var afterLogout = await _client.GetWithSessionAsync("/profile", loggedOut);
        using var afterTimeout = await _client.GetWithSessionAsync("/admin/users", timedOut);

        await none.AssertProblemAsync(HttpStatusCode.Unauthorized, "session_required");
        await afterLogout.AssertProblemAsync(HttpStatusCode.Unauthorized, "session_expired");
        await afterTimeout.AssertProblemAsync(HttpStatusCode.Unauthorized, "session_expired");
    }

    [Fact]
    public async Task A_tampered_token_gets_401_and_the_cookie_is_expired()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var tampered = (token[0] == 'A' ? "B" : "A") + token[1..];

        using var response = await _client.GetWithSessionAsync("/profile", tampered);
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(ApiClient.SetCookieHeaders(response), h => h.StartsWith("__Host-sid=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cookie_sent_twice_is_ambiguous_and_gets_401_even_when_both_are_valid()
    {
        var user = await api.Factory.CreateUserAsync();
        var first = await _client.LoginAsync(user);
        var second = await _client.LoginAsync(user);

        using var response = await _client.SendWithCookieAsync(HttpMethod.Get, "/profile", $"__Host-sid={first}; __Host-sid={second}");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_valid_cookie_among_other_cookies_is_accepted()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var response = await _client.SendWithCookieAsync(HttpMethod.Get, "/profile", $"theme=dark; __Host-sid={token}; lang=en");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_session_past_its_idle_timeout_gets_401_and_its_row_is_deleted()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        api.Factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await _client.AssertSessionDeadAsync(token);
        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id }));
    }

    [Fact]
    public async Task Disabling_a_user_takes_effect_on_their_next_request()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        await api.Factory.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { user.Id });

        await _client.AssertSessionDeadAsync(token);
    }

    [Fact]
    public async Task Demoting_an_admin_takes_effect_on_their_next_request()
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);
        using (var before = await _client.GetWithSessionAsync("/admin/users", token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        await api.Factory.ExecuteSqlAsync("UPDATE users SET role = 'user' WHERE id = @Id", new { admin.Id });

        using var after = await _client.GetWithSessionAsync("/admin/users", token);

        await after.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Authenticated_responses_are_not_stored_by_caches()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var response = await _client.GetWithSessionAsync("/profile", token);

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }
}
