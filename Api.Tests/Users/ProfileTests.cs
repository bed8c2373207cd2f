using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Users;

public sealed class ProfileTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Profile_returns_the_logged_in_users_fields_and_nothing_secret()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var response = await _client.GetWithSessionAsync("/profile", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var profile = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["id", "email", "name", "role", "emailVerified", "twoFactorEnabled", "createdAt"], profile.EnumerateObject().Select(p => p.Name));
        Assert.Equal(user.Id, profile.GetProperty("id").GetInt64());
        Assert.Equal(user.Email, profile.GetProperty("email").GetString());
        Assert.Equal(api.Factory.Clock.GetUtcNow().UtcDateTime, profile.GetProperty("createdAt").GetDateTime().ToUniversalTime());
    }

    [Fact]
    public async Task Profile_without_a_session_gets_401_problem()
    {
        using var response = await _client.GetAsync("/profile");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
