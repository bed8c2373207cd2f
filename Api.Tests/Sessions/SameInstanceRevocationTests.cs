using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Api.Tests.TwoFactor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Api.Tests.Sessions;

/// <summary>
/// An instance serving from its session cache with no listener at all: no notification ever reaches it, so only the
/// eviction each change makes on its own instance before answering can refuse a revoked session. Every path that ends
/// sessions or changes what a lookup returns is here; one that forgot to evict would answer 200 from the cache.
/// </summary>
public sealed class DeafCacheFixture : IAsyncLifetime
{
    private ApiFactory? _factory;

    public TestSmtpServer Smtp { get; } = new();

    public ApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialised.");

    public async Task InitializeAsync()
    {
        Smtp.Start();
        var settings = MailTesting.SmtpSettings(Smtp);
        settings["Session:Cache:Enabled"] = "true";
        // Long enough that the one heartbeat the tests fake keeps the cache serving through the class.
        settings["Session:Cache:HeartbeatInterval"] = "00:01:00";
        _factory = new ApiFactory(await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync(), settings)
        {
            TestServices = services => services.Remove(services.Single(s =>
                s.ServiceType == typeof(IHostedService) && s.ImplementationType == typeof(SessionCacheListener))),
        };
        var cache = _factory.Services.GetRequiredService<SessionCache>();
        cache.Listening();
        cache.Heartbeat();
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        await Smtp.DisposeAsync();
    }
}

public sealed class SameInstanceRevocationTests(DeafCacheFixture fixture) : IClassFixture<DeafCacheFixture>
{
    private readonly ApiFactory _api = fixture.Factory;
    private readonly HttpClient _client = fixture.Factory.CreateBareClient();
    private readonly SessionCache _cache = fixture.Factory.Services.GetRequiredService<SessionCache>();

    [Fact]
    public async Task Logout_is_refused_on_the_very_next_request()
    {
        var (_, token) = await CachedSessionAsync();

        using (await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", Cookie(token)))
        {
        }

        await _client.AssertSessionDeadAsync(token);
    }

    [Fact]
    public async Task A_login_that_replaces_the_carried_session_ends_it_here_at_once()
    {
        var (user, token) = await CachedSessionAsync();

        using (await _client.PostLoginAsync(user.Email, user.Password, cookie: token))
        {
        }

        await _client.AssertSessionDeadAsync(token);
    }

    [Fact]
    public async Task A_revoked_session_is_refused_on_the_very_next_request()
    {
        var (user, victim) = await CachedSessionAsync();
        var other = await _client.LoginAsync(user);
        var victimId = await SessionIdAsync(victim);

        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{victimId}", Cookie(other));

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await _client.AssertSessionDeadAsync(victim);
        await _client.AssertSessionAliveAsync(other);
    }

    [Fact]
    public async Task Revoked_other_sessions_are_refused_on_the_very_next_request()
    {
        var (user, victim) = await CachedSessionAsync();
        var other = await _client.LoginAsync(user);

        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, "/sessions", Cookie(other));

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await _client.AssertSessionDeadAsync(victim);
        await _client.AssertSessionAliveAsync(other);
    }

    [Fact]
    public async Task A_password_change_is_refused_for_other_sessions_on_the_very_next_request()
    {
        var (user, victim) = await CachedSessionAsync();
        var other = await _client.LoginAsync(user);

        using var change = await _client.PostWithSessionAsync("/profile/password", other,
            new { currentPassword = user.Password, newPassword = "an entirely new password" });

        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        await _client.AssertSessionDeadAsync(victim);
    }

    [Fact]
    public async Task A_password_reset_is_refused_on_the_very_next_request()
    {
        var (user, victim) = await CachedSessionAsync();

        using (await _client.PostAsJsonAsync("/password/forgot", new { email = user.Email }))
        {
        }
        var token = await MailedTokenAsync(user.Email);
        using var reset = await _client.PostAsJsonAsync("/password/reset", new { token, newPassword = "a brand new password" });

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        await _client.AssertSessionDeadAsync(victim);
    }

    [Fact]
    public async Task Turning_on_regenerating_and_turning_off_a_second_factor_each_refuse_other_sessions_at_once()
    {
        var (user, victim) = await CachedSessionAsync();
        var actor = await _client.LoginAsync(user);

        var (app, _) = await _client.EnableTwoFactorAsync(_api, actor, user);
        await _client.AssertSessionDeadAsync(victim);

        victim = await CachedSecondFactorSessionAsync(user, app);
        app.NextStep();
        using (var regenerate = await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", actor, new { currentPassword = user.Password, code = app.Code() }))
        {
            Assert.Equal(HttpStatusCode.OK, regenerate.StatusCode);
        }
        await _client.AssertSessionDeadAsync(victim);

        victim = await CachedSecondFactorSessionAsync(user, app);
        app.NextStep();
        using (var disable = await _client.PostWithSessionAsync("/profile/2fa/disable", actor, new { currentPassword = user.Password, code = app.Code() }))
        {
            Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);
        }
        await _client.AssertSessionDeadAsync(victim);
    }

    [Theory]
    [InlineData("role")]
    [InlineData("disable")]
    [InlineData("forced logout")]
    [InlineData("second factor reset")]
    public async Task An_admin_action_is_refused_for_the_user_on_the_very_next_request(string action)
    {
        var admin = await _api.CreateUserAsync(Roles.Admin);
        var adminToken = await _client.LoginAsync(admin);
        var user = await _api.CreateUserAsync(action == "role" ? Roles.Admin : Roles.User);
        var victim = await _client.LoginAsync(user);
        if (action == "second factor reset")
        {
            var (app, _) = await _client.EnableTwoFactorAsync(_api, victim, user);
            victim = await SecondFactorLoginAsync(user, app);
        }
        await WarmAsync(victim);

        using var response = action switch
        {
            "role" => await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", Cookie(adminToken), JsonContent.Create(new { role = Roles.User })),
            "disable" => await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", Cookie(adminToken), JsonContent.Create(new { disabled = true })),
            "forced logout" => await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions", Cookie(adminToken)),
            _ => await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/2fa", Cookie(adminToken)),
        };

        Assert.True(response.IsSuccessStatusCode, $"{action}: {(int)response.StatusCode}");
        await _client.AssertSessionDeadAsync(victim);
    }

    [Fact]
    public async Task A_new_name_shows_on_the_users_other_sessions_at_once()
    {
        var (user, other) = await CachedSessionAsync();
        var actor = await _client.LoginAsync(user);

        using (var rename = await _client.SendWithCookieAsync(HttpMethod.Put, "/profile", Cookie(actor), JsonContent.Create(new { name = "Renamed" })))
        {
            Assert.Equal(HttpStatusCode.OK, rename.StatusCode);
        }

        Assert.Equal("Renamed", (await ProfileAsync(other)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_verified_address_shows_on_the_users_sessions_at_once()
    {
        var user = await _api.CreateUserAsync();
        await TestSql.ExecuteSqlAsync(_api.ConnectionString, "UPDATE users SET email_verified_at = NULL WHERE id = @Id", new { user.Id });
        var token = await _client.LoginAsync(user);
        await WarmAsync(token);
        Assert.False((await ProfileAsync(token)).GetProperty("emailVerified").GetBoolean());

        using (await _client.PostAsJsonAsync("/email/verify/resend", new { email = user.Email }))
        {
        }
        using (var verify = await _client.PostAsJsonAsync("/email/verify", new { token = await MailedTokenAsync(user.Email) }))
        {
            Assert.Equal(HttpStatusCode.NoContent, verify.StatusCode);
        }

        Assert.True((await ProfileAsync(token)).GetProperty("emailVerified").GetBoolean());
    }

    private async Task<(TestUser User, string Token)> CachedSessionAsync()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        await WarmAsync(token);
        return (user, token);
    }

    private async Task<string> CachedSecondFactorSessionAsync(TestUser user, Authenticator app)
    {
        var token = await SecondFactorLoginAsync(user, app);
        await WarmAsync(token);
        return token;
    }

    private async Task<string> SecondFactorLoginAsync(TestUser user, Authenticator app)
    {
        app.NextStep();
        using var login = await _client.LoginWithSecondFactorAsync(user, app.Code());
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return ApiClient.SessionTokenFrom(login)!;
    }

    /// <summary>A read that puts the session in the cache; the test then knows a later 200 could come from there.</summary>
    private Task WarmAsync(string token) => _client.CacheSessionAsync(_cache, token);

    private async Task<JsonElement> ProfileAsync(string token)
    {
        using var response = await _client.GetWithSessionAsync("/profile", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<Guid> SessionIdAsync(string token)
    {
        using var response = await _client.GetWithSessionAsync("/sessions", token);
        var sessions = await response.Content.ReadFromJsonAsync<JsonElement>();
        return sessions.EnumerateArray().Single(s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
    }

    private async Task<string> MailedTokenAsync(string email)
    {
        await MailTesting.EventuallyAsync(() => fixture.Smtp.For(email).Count == 1, "the mail arrives");
        return MailTesting.TokenIn(fixture.Smtp.For(email).Single());
    }

    private static string Cookie(string token) => $"{ApiClient.CookieName}={token}";
}
