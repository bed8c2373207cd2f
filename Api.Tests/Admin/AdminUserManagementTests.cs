using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Admin;

public sealed class AdminUserManagementTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task An_admin_creates_a_user_with_a_role_who_can_then_log_in()
    {
        var admin = await AdminSessionAsync();
        var email = $"made-{Guid.NewGuid():N}@example.com";

        using var response = await SendAsync(HttpMethod.Post, "/admin/users", admin, new { email, name = "Made", role = "admin", password = "made by an admin" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("admin", created.GetProperty("role").GetString());
        Assert.Equal($"/admin/users/{created.GetProperty("id").GetInt64()}", response.Headers.Location?.ToString());
        Assert.DoesNotContain("hash", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        using var login = await _client.PostLoginAsync(email, "made by an admin");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Creating_a_user_with_a_taken_email_is_409_and_with_a_bad_role_is_400()
    {
        var admin = await AdminSessionAsync();
        var existing = await api.Factory.CreateUserAsync();

        using var taken = await SendAsync(HttpMethod.Post, "/admin/users", admin, new { email = existing.Email, name = "X", role = "user", password = "long enough pw" });
        using var badRole = await SendAsync(HttpMethod.Post, "/admin/users", admin, new { email = "r@example.com", name = "X", role = "root", password = "long enough pw" });

        await taken.AssertProblemAsync(HttpStatusCode.Conflict);
        var problem = await badRole.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("role", out _));
    }

    [Fact]
    public async Task Changing_a_users_role_ends_all_their_sessions()
    {
        var admin = await AdminSessionAsync();
        var user = await api.Factory.CreateUserAsync();
        var userToken = await _client.LoginAsync(user);

        using var response = await SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin, new { role = "admin" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("admin", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
        await _client.AssertSessionDeadAsync(userToken);
    }

    [Fact]
    public async Task Renaming_a_user_keeps_their_sessions()
    {
        var admin = await AdminSessionAsync();
        var user = await api.Factory.CreateUserAsync();
        var userToken = await _client.LoginAsync(user);

        using var response = await SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin, new { name = "New Name" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var after = await _client.GetWithSessionAsync("/profile", userToken);
        Assert.Equal("New Name", (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_sessions_and_refuses_login_until_enabled_again()
    {
        var admin = await AdminSessionAsync();
        var user = await api.Factory.CreateUserAsync();
        var userToken = await _client.LoginAsync(user);

        using var disable = await SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin, new { disabled = true });

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.NotEqual(JsonValueKind.Null, (await disable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("disabledAt").ValueKind);
        using (var session = await _client.GetWithSessionAsync("/profile", userToken))
        {
            await session.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
        using (var login = await _client.PostLoginAsync(user.Email, user.Password))
        {
            await login.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        using var enable = await SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", admin, new { disabled = false });
        using var loginAgain = await _client.PostLoginAsync(user.Email, user.Password);

        Assert.Equal(JsonValueKind.Null, (await enable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("disabledAt").ValueKind);
        Assert.Equal(HttpStatusCode.OK, loginAgain.StatusCode);
    }

    [Theory]
    [InlineData("""{"role":"user"}""")]
    [InlineData("""{"disabled":true}""")]
    public async Task An_admin_cannot_demote_or_disable_themselves(string json)
    {
        var (adminUser, admin) = await AdminAsync();

        using var response = await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{adminUser.Id}", $"__Host-sid={admin}",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.Conflict);
        using var stillAdmin = await _client.GetWithSessionAsync("/admin/users", admin);
        Assert.Equal(HttpStatusCode.OK, stillAdmin.StatusCode);
    }

    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_always_leave_an_admin()
    {
        for (var round = 0; round < 5; round++)
        {
            var (a, aToken) = await AdminAsync();
            var (b, bToken) = await AdminAsync();

            var results = await Task.WhenAll(
                SendAsync(HttpMethod.Patch, $"/admin/users/{b.Id}", aToken, new { role = "user" }),
                SendAsync(HttpMethod.Patch, $"/admin/users/{a.Id}", bToken, new { role = "user" }));

            Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Equal(1, await api.Factory.ScalarSqlAsync<int>(
                "SELECT count(*) FROM users WHERE id IN (@A, @B) AND role = 'admin'", new { A = a.Id, B = b.Id }));
        }
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"role":"owner"}""")]
    [InlineData("""{"name":""}""")]
    public async Task Patching_with_nothing_or_invalid_fields_is_400(string json)
    {
        var admin = await AdminSessionAsync();
        var user = await api.Factory.CreateUserAsync();

        using var response = await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", $"__Host-sid={admin}",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Patching_or_logging_out_an_unknown_user_is_404()
    {
        var admin = await AdminSessionAsync();

        using var patch = await SendAsync(HttpMethod.Patch, "/admin/users/999999999", admin, new { name = "Nobody" });
        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, "/admin/users/999999999/sessions", $"__Host-sid={admin}");

        await patch.AssertProblemAsync(HttpStatusCode.NotFound);
        await revoke.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_admin_logs_a_user_out_everywhere()
    {
        var admin = await AdminSessionAsync();
        var user = await api.Factory.CreateUserAsync();
        var tokens = new[] { await _client.LoginAsync(user), await _client.LoginAsync(user) };

        using var response = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions", $"__Host-sid={admin}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        foreach (var token in tokens)
        {
            await _client.AssertSessionDeadAsync(token);
        }
        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task A_user_cannot_use_the_admin_write_endpoints()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var create = await SendAsync(HttpMethod.Post, "/admin/users", token, new { email = "x@example.com", name = "X", role = "admin", password = "long enough pw" });
        using var promote = await SendAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", token, new { role = "admin" });
        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions", $"__Host-sid={token}");

        await create.AssertProblemAsync(HttpStatusCode.Forbidden);
        await promote.AssertProblemAsync(HttpStatusCode.Forbidden);
        await revoke.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    private async Task<string> AdminSessionAsync() => (await AdminAsync()).Token;

    private async Task<(TestUser User, string Token)> AdminAsync()
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        return (admin, await _client.LoginAsync(admin));
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object body) =>
        _client.SendWithCookieAsync(method, path, $"__Host-sid={token}", JsonContent.Create(body));
}
