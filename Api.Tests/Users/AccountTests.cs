using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Users;

public sealed class AccountTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_refused_registration_leaves_the_session_the_request_carried_alone()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var taken = await _client.SendWithCookieAsync(HttpMethod.Post, "/register", $"{ApiClient.CookieName}={token}",
            System.Net.Http.Json.JsonContent.Create(new { email = user.Email, name = "Again", password = "a long enough password" }));

        await taken.AssertProblemAsync(System.Net.HttpStatusCode.Conflict);
        Assert.Empty(ApiClient.SetCookieHeaders(taken));
        await _client.AssertSessionAliveAsync(token);
    }

    [Fact]
    public async Task Register_creates_a_user_and_logs_them_in()
    {
        var email = $"new-{Guid.NewGuid():N}@example.com";

        using var response = await _client.PostAsJsonAsync("/register", new { email, name = "New Person", password = "a fine password" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/profile", response.Headers.Location?.ToString());
        var user = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user");
        Assert.Equal("user", user.GetProperty("role").GetString());
        var token = ApiClient.SessionTokenFrom(response);
        Assert.NotNull(token);
        using var profile = await _client.GetWithSessionAsync("/profile", token);
        Assert.Equal(email, (await profile.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
        using var login = await _client.PostLoginAsync(email, "a fine password");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Register_with_a_taken_email_in_any_case_is_409_problem_without_a_cookie()
    {
        var existing = await api.Factory.CreateUserAsync();

        using var response = await _client.PostAsJsonAsync("/register", new { email = existing.Email.ToUpperInvariant(), name = "Again", password = "a fine password" });

        await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Empty(ApiClient.SetCookieHeaders(response));
    }

    [Theory]
    [InlineData("short", "password")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "password")]
    [InlineData("€€€€€€€€€€€€€€€€€€€€€€€€€", "password")]
    [InlineData("has a nul \u0000 inside", "password")]
    public async Task Register_refuses_passwords_it_cannot_store_faithfully(string password, string field)
    {
        using var response = await _client.PostAsJsonAsync("/register", new { email = $"p-{Guid.NewGuid():N}@example.com", name = "P", password });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Register_with_exactly_72_bytes_of_password_works()
    {
        using var response = await _client.PostAsJsonAsync("/register", new { email = $"p72-{Guid.NewGuid():N}@example.com", name = "P", password = new string('€', 24) });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Updating_the_profile_changes_the_name()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var update = await _client.SendWithCookieAsync(HttpMethod.Put, "/profile", $"__Host-sid={token}", JsonContent.Create(new { name = "Renamed" }));
        using var profile = await _client.GetWithSessionAsync("/profile", token);

        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal("Renamed", (await update.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal("Renamed", (await profile.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{"name":""}""")]
    [InlineData("""{"name":"  padded  "}""")]
    [InlineData("""{}""")]
    public async Task Updating_the_profile_with_an_invalid_name_is_400(string json)
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var update = await _client.SendWithCookieAsync(HttpMethod.Put, "/profile", $"__Host-sid={token}",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await update.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Changing_the_password_ends_other_sessions_and_rotates_the_current_one()
    {
        var user = await api.Factory.CreateUserAsync();
        var other = await _client.LoginAsync(user);
        var current = await _client.LoginAsync(user);

        using var change = await _client.SendWithCookieAsync(HttpMethod.Post, "/profile/password", $"__Host-sid={current}",
            JsonContent.Create(new { currentPassword = user.Password, newPassword = "a brand new password" }));

        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        var rotated = ApiClient.SessionTokenFrom(change);
        Assert.NotNull(rotated);
        Assert.NotEqual(current, rotated);
        foreach (var dead in new[] { other, current })
        {
            await _client.AssertSessionDeadAsync(dead);
        }
        await _client.AssertSessionAliveAsync(rotated);
        using var oldPassword = await _client.PostLoginAsync(user.Email, user.Password);
        await oldPassword.AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var newPassword = await _client.PostLoginAsync(user.Email, "a brand new password");
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
    }

    [Fact]
    public async Task Changing_the_password_keeps_remember_me_on_the_rotated_cookie()
    {
        var user = await api.Factory.CreateUserAsync();
        var current = await _client.LoginAsync(user, rememberMe: true);

        using var change = await _client.SendWithCookieAsync(HttpMethod.Post, "/profile/password", $"__Host-sid={current}",
            JsonContent.Create(new { currentPassword = user.Password, newPassword = "a brand new password" }));

        Assert.Contains(ApiClient.SetCookieHeaders(change).Single().Split("; "), a => a.StartsWith("max-age=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Changing_the_password_with_a_wrong_current_password_is_400_and_changes_nothing()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var change = await _client.SendWithCookieAsync(HttpMethod.Post, "/profile/password", $"__Host-sid={token}",
            JsonContent.Create(new { currentPassword = "wrong", newPassword = "a brand new password" }));

        var problem = await change.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("currentPassword", out _));
        await _client.AssertSessionAliveAsync(token);
        using var oldPassword = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, oldPassword.StatusCode);
    }
}

public sealed class RegistrationDisabledFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Registration:Enabled"] = "false" };
}

public sealed class RegistrationDisabledTests(RegistrationDisabledFixture api) : IClassFixture<RegistrationDisabledFixture>
{
    [Fact]
    public async Task With_registration_disabled_register_does_not_exist()
    {
        using var client = api.Factory.CreateBareClient();

        using var response = await client.PostAsJsonAsync("/register", new { email = "x@example.com", name = "X", password = "a fine password" });

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
