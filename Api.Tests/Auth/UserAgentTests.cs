using System.Net;
using System.Net.Http.Json;
using Api.Infrastructure;
using Api.Tests.Infrastructure;

namespace Api.Tests.Auth;

public sealed class UserAgentTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    public static TheoryData<string> LongUserAgents => new()
    {
        new string('a', 511) + "😀",
        new string('a', 511) + "e\u0301 and more",
        string.Concat(Enumerable.Repeat("🦊", 400)),
    };

    [Theory]
    [MemberData(nameof(LongUserAgents))]
    public async Task Login_and_register_store_a_long_user_agent_cut_between_whole_characters(string userAgent)
    {
        var user = await api.Factory.CreateUserAsync();
        var email = $"ua-{Guid.NewGuid():N}@example.com";

        using var login = await SendAsync("/login", userAgent, new { user.Email, user.Password });
        using var register = await SendAsync("/register", userAgent, new { email, name = "UA", password = "a long enough password" });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var stored = await api.Factory.QuerySqlAsync<string>(
            "SELECT s.user_agent FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email IN (@existing, @registered)", new { existing = user.Email, registered = email });
        Assert.Equal(2, stored.Count);
        Assert.All(stored, ua =>
        {
            Assert.True(ua.Length <= 512);
            Assert.True(Text.IsWellFormed(ua));
            Assert.StartsWith(ua, userAgent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_registration_whose_session_cannot_be_written_leaves_no_account_behind()
    {
        // A constraint the test adds makes the session insert fail after the account's insert succeeded.
        await api.Factory.ExecuteSqlAsync("ALTER TABLE sessions ADD CONSTRAINT test_refuse CHECK (user_agent IS DISTINCT FROM 'refuse me')");
        var email = $"atomic-{Guid.NewGuid():N}@example.com";
        try
        {
            using var register = await SendAsync("/register", "refuse me", new { email, name = "Atomic", password = "a long enough password" });

            Assert.Equal(HttpStatusCode.InternalServerError, register.StatusCode);
            Assert.Empty(ApiClient.SetCookieHeaders(register));
            Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM users WHERE email = @email", new { email }));
        }
        finally
        {
            await api.Factory.ExecuteSqlAsync("ALTER TABLE sessions DROP CONSTRAINT test_refuse");
        }
        using var again = await SendAsync("/register", "fine", new { email, name = "Atomic", password = "a long enough password" });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    private Task<HttpResponseMessage> SendAsync(string path, string userAgent, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return _client.SendAsync(request);
    }
}
