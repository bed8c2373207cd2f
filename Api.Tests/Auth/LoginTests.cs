using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Auth;

public sealed class LoginTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Login_with_valid_credentials_returns_the_user_and_a_host_only_strict_session_cookie()
    {
        var user = await api.Factory.CreateUserAsync();

        using var response = await _client.PostLoginAsync(user.Email, user.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var returned = body.GetProperty("user");
        Assert.Equal(user.Id, returned.GetProperty("id").GetInt64());
        Assert.Equal(user.Email, returned.GetProperty("email").GetString());
        Assert.Equal("user", returned.GetProperty("role").GetString());
        Assert.Equal("Test user", returned.GetProperty("name").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        var setCookie = Assert.Single(ApiClient.SetCookieHeaders(response), h => h.StartsWith(ApiClient.CookieName + "=", StringComparison.Ordinal));
        var attributes = setCookie.Split("; ");
        Assert.Matches("^__Host-sid=[A-Za-z0-9_-]{43}$", attributes[0]);
        Assert.Contains("httponly", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(attributes, a => a.StartsWith("max-age", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(attributes, a => a.StartsWith("expires", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Login_with_remember_me_sets_max_age_to_the_remember_me_lifetime()
    {
        var user = await api.Factory.CreateUserAsync();

        using var response = await _client.PostLoginAsync(user.Email, user.Password, rememberMe: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = Assert.Single(ApiClient.SetCookieHeaders(response), h => h.StartsWith(ApiClient.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains($"max-age={(int)TimeSpan.FromDays(30).TotalSeconds}", setCookie.Split("; "));
    }

    [Fact]
    public async Task Wrong_password_unknown_email_and_disabled_account_get_identical_401_problems()
    {
        var user = await api.Factory.CreateUserAsync();
        var disabled = await api.Factory.CreateUserAsync();
        await api.Factory.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { disabled.Id });

        using var wrongPassword = await _client.PostLoginAsync(user.Email, "not the password");
        using var unknownEmail = await _client.PostLoginAsync("nobody@example.com", user.Password);
        using var disabledAccount = await _client.PostLoginAsync(disabled.Email, disabled.Password);

        var bodies = new List<string>();
        foreach (var response in new[] { wrongPassword, unknownEmail, disabledAccount })
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Equal("Invalid credentials", problem.GetProperty("title").GetString());
            Assert.Empty(ApiClient.SetCookieHeaders(response));
            // Everything but the per-request trace id must match, headers included.
            var fields = problem.EnumerateObject().Where(p => p.Name != "traceId").Select(p => p.ToString());
            var headers = response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Date").Select(h => h.Key + ":" + string.Join(",", h.Value));
            bodies.Add(string.Join("|", fields.Concat(headers)));
        }
        Assert.Single(bodies.Distinct());
    }

    [Fact]
    public async Task Login_email_is_case_insensitive()
    {
        var user = await api.Factory.CreateUserAsync();

        using var response = await _client.PostLoginAsync(user.Email.ToUpperInvariant(), user.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"password":"x"}""", "email")]
    [InlineData("""{"email":"not-an-email","password":"x"}""", "email")]
    [InlineData("""{"email":"a@example.com","password":""}""", "password")]
    [InlineData("""{"email":"a@example.com"}""", "password")]
    [InlineData("""{}""", "email")]
    public async Task Invalid_login_requests_get_400_with_errors_per_field(string json, string field)
    {
        using var response = await _client.PostAsync("/login", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), problem.ToString());
        Assert.NotEmpty(messages.EnumerateArray());
    }

    [Theory]
    [InlineData("{\"email\":")]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"email\":123,\"password\":true}")]
    [InlineData("")]
    [InlineData("null")]
    public async Task Malformed_login_bodies_get_400_problem(string body)
    {
        using var response = await _client.PostAsync("/login", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Login_with_a_form_content_type_gets_415_problem()
    {
        using var response = await _client.PostAsync("/login", new FormUrlEncodedContent([new("email", "a@example.com"), new("password", "x")]));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Login_ends_the_session_the_request_carried_so_a_planted_cookie_never_becomes_logged_in()
    {
        var user = await api.Factory.CreateUserAsync();
        var planted = await _client.LoginAsync(user);

        using var response = await _client.PostLoginAsync(user.Email, user.Password, cookie: planted);
        var fresh = ApiClient.SessionTokenFrom(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(fresh);
        Assert.NotEqual(planted, fresh);
        await _client.AssertSessionDeadAsync(planted);
        await _client.AssertSessionAliveAsync(fresh);
    }

    [Fact]
    public async Task The_database_holds_the_sha256_of_the_token_never_the_token()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        var stored = Assert.Single(await api.Factory.QuerySqlAsync<byte[]>("SELECT token_hash FROM sessions WHERE user_id = @Id", new { user.Id }));
        var rowText = Assert.Single(await api.Factory.QuerySqlAsync<string>("SELECT row_to_json(s)::text FROM sessions s WHERE user_id = @Id", new { user.Id }));

        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(token)), stored);
        Assert.DoesNotContain(token, rowText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_records_the_user_agent_and_ip_of_the_session()
    {
        var user = await api.Factory.CreateUserAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = JsonContent.Create(new { user.Email, user.Password }) };
        request.Headers.UserAgent.ParseAdd("LoginTests/1.0");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var userAgent = Assert.Single(await api.Factory.QuerySqlAsync<string>("SELECT user_agent FROM sessions WHERE user_id = @Id", new { user.Id }));
        Assert.Equal("LoginTests/1.0", userAgent);
    }
}
