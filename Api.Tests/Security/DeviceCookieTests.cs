using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Security;

public sealed class DeviceCookieTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string DeviceCookie = ApiClient.DeviceCookieName;
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_successful_login_sets_a_host_only_strict_device_cookie_after_the_session_cookie()
    {
        var user = await api.Factory.CreateUserAsync();

        using var response = await _client.PostLoginAsync(user.Email, user.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = ApiClient.SetCookieHeaders(response).ToList();
        Assert.Equal(2, cookies.Count);
        Assert.StartsWith(ApiClient.CookieName + "=", cookies[0], StringComparison.Ordinal);
        var attributes = cookies[1].Split("; ");
        Assert.Matches($"^{DeviceCookie}=[A-Za-z0-9_-]{{43}}$", attributes[0]);
        Assert.Contains("httponly", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.Contains($"max-age={(int)TimeSpan.FromDays(365).TotalSeconds}", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.OrdinalIgnoreCase));

        var token = ApiClient.DeviceTokenFrom(response)!;
        var stored = await api.Factory.ScalarSqlAsync<byte[]>("SELECT token_hash FROM login_devices WHERE user_id = @Id", new { user.Id });
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(token)), stored);
    }

    [Fact]
    public async Task Failed_logins_and_logout_never_touch_the_device_cookie()
    {
        var user = await api.Factory.CreateUserAsync();
        var (session, device) = await LoginAsync(user, device: null);

        using var wrong = await SendLoginAsync(user.Email, "wrong password", device);
        using var logout = await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={session}; {DeviceCookie}={device}");

        Assert.DoesNotContain(ApiClient.SetCookieHeaders(wrong), h => h.StartsWith(DeviceCookie, StringComparison.Ordinal));
        Assert.DoesNotContain(ApiClient.SetCookieHeaders(logout), h => h.StartsWith(DeviceCookie, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_attacker_who_locks_the_account_does_not_lock_out_a_browser_the_owner_used_before()
    {
        var user = await api.Factory.CreateUserAsync();
        var (_, device) = await LoginAsync(user, device: null);
        await FailAsync(user.Email, 5, device: null);

        using var attacker = await SendLoginAsync(user.Email, user.Password, device: null);
        using var owner = await SendLoginAsync(user.Email, user.Password, device);

        await attacker.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        // The attacker's lock stands: the owner's login does not hand them fresh attempts.
        using var attackerAgain = await SendLoginAsync(user.Email, "another guess", device: null);
        await attackerAgain.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task A_trusted_browser_has_its_own_budget_and_lock_which_leave_the_account_open_to_others()
    {
        var user = await api.Factory.CreateUserAsync();
        var (_, device) = await LoginAsync(user, device: null);
        await FailAsync(user.Email, 5, device);

        using var lockedDevice = await SendLoginAsync(user.Email, user.Password, device);
        using var otherBrowser = await SendLoginAsync(user.Email, user.Password, device: null);

        await lockedDevice.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("15", lockedDevice.Headers.RetryAfter?.ToString());
        Assert.Equal(HttpStatusCode.OK, otherBrowser.StatusCode);
        api.Factory.Clock.Advance(TimeSpan.FromSeconds(15));
        using var afterLock = await SendLoginAsync(user.Email, user.Password, device);
        Assert.Equal(HttpStatusCode.OK, afterLock.StatusCode);
    }

    [Fact]
    public async Task One_browser_vouches_for_every_account_logged_in_from_it_and_for_no_other()
    {
        var first = await api.Factory.CreateUserAsync();
        var second = await api.Factory.CreateUserAsync();
        var stranger = await api.Factory.CreateUserAsync();
        var (_, device) = await LoginAsync(first, device: null);
        var (_, rotated) = await LoginAsync(second, device);
        foreach (var user in new[] { first, second, stranger })
        {
            await FailAsync(user.Email, 5, device: null);
        }

        using var firstLogin = await SendLoginAsync(first.Email, first.Password, rotated);
        using var secondLogin = await SendLoginAsync(second.Email, second.Password, ApiClient.DeviceTokenFrom(firstLogin));
        using var strangerLogin = await SendLoginAsync(stranger.Email, stranger.Password, ApiClient.DeviceTokenFrom(secondLogin));

        Assert.Equal(HttpStatusCode.OK, firstLogin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondLogin.StatusCode);
        await strangerLogin.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Every_login_issues_a_fresh_device_token_so_a_token_someone_else_knows_never_vouches_for_a_new_account()
    {
        var attacker = await api.Factory.CreateUserAsync();
        var victim = await api.Factory.CreateUserAsync();
        // A shared computer: the attacker logs in, notes the cookie, and leaves it there for the victim.
        var (_, known) = await LoginAsync(attacker, device: null);
        var (_, victimsDevice) = await LoginAsync(victim, known);
        Assert.NotEqual(known, victimsDevice);
        await FailAsync(victim.Email, 5, device: null);

        using var withKnownToken = await SendLoginAsync(victim.Email, victim.Password, known);
        using var withVictimsToken = await SendLoginAsync(victim.Email, victim.Password, victimsDevice);

        await withKnownToken.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, withVictimsToken.StatusCode);
    }

    [Fact]
    public async Task Changing_the_password_ends_every_other_browsers_trust_but_keeps_this_ones()
    {
        var user = await api.Factory.CreateUserAsync();
        var (_, oldBrowser) = await LoginAsync(user, device: null);
        var (session, thisBrowser) = await LoginAsync(user, device: null);
        const string newPassword = "a new password for everyone";
        using (var change = await _client.SendWithCookieAsync(HttpMethod.Post, "/profile/password", $"{ApiClient.CookieName}={session}; {DeviceCookie}={thisBrowser}",
            JsonContent.Create(new { currentPassword = user.Password, newPassword })))
        {
            Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        }
        await FailAsync(user.Email, 5, device: null);

        using var fromOldBrowser = await SendLoginAsync(user.Email, newPassword, oldBrowser);
        using var fromThisBrowser = await SendLoginAsync(user.Email, newPassword, thisBrowser);

        await fromOldBrowser.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, fromThisBrowser.StatusCode);
    }

    [Fact]
    public async Task An_admins_log_out_everywhere_ends_every_browsers_trust()
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var adminSession = await _client.LoginAsync(admin);
        var user = await api.Factory.CreateUserAsync();
        var (_, device) = await LoginAsync(user, device: null);

        using (var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions", $"{ApiClient.CookieName}={adminSession}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM login_devices WHERE user_id = @Id", new { user.Id }));
        await FailAsync(user.Email, 5, device: null);
        using var login = await SendLoginAsync(user.Email, user.Password, device);
        await login.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task A_user_keeps_only_their_ten_most_recent_browsers()
    {
        var user = await api.Factory.CreateUserAsync();
        var devices = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            devices.Add((await LoginAsync(user, device: null)).Device);
            api.Factory.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(10, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM login_devices WHERE user_id = @Id", new { user.Id }));
        await FailAsync(user.Email, 5, device: null);
        using var oldest = await SendLoginAsync(user.Email, user.Password, devices[0]);
        using var newest = await SendLoginAsync(user.Email, user.Password, devices[^1]);
        await oldest.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, newest.StatusCode);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("")]
    public async Task A_forged_or_malformed_device_cookie_vouches_for_nothing(string forged)
    {
        var user = await api.Factory.CreateUserAsync();
        await FailAsync(user.Email, 5, device: null);

        using var response = await SendLoginAsync(user.Email, user.Password, forged);

        await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task An_expired_device_cookie_vouches_for_nothing()
    {
        var user = await api.Factory.CreateUserAsync();
        var (_, device) = await LoginAsync(user, device: null);
        api.Factory.Clock.Advance(TimeSpan.FromDays(366));
        await FailAsync(user.Email, 5, device: null);

        using var response = await SendLoginAsync(user.Email, user.Password, device);

        await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Registration_sets_a_device_cookie_that_vouches_for_the_new_account()
    {
        var email = $"reg-{Guid.NewGuid():N}@example.com";
        using var register = await _client.PostAsJsonAsync("/register", new { email, name = "Reg", password = "registered password" });
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var device = ApiClient.DeviceTokenFrom(register);
        Assert.NotNull(device);
        await FailAsync(email, 5, device: null);

        using var login = await SendLoginAsync(email, "registered password", device);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Expired_devices_are_cleaned_up()
    {
        var user = await api.Factory.CreateUserAsync();
        await LoginAsync(user, device: null);
        api.Factory.Clock.Advance(TimeSpan.FromDays(366));
        var cleanup = api.Factory.Services.GetServices<Api.Infrastructure.ICleanupTask>();

        foreach (var task in cleanup)
        {
            await task.RunOnceAsync(CancellationToken.None);
        }

        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM login_devices WHERE user_id = @Id", new { user.Id }));
    }

    private async Task<(string Session, string Device)> LoginAsync(TestUser user, string? device)
    {
        using var response = await SendLoginAsync(user.Email, user.Password, device);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (ApiClient.SessionTokenFrom(response)!, ApiClient.DeviceTokenFrom(response)!);
    }

    private async Task FailAsync(string email, int times, string? device)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await SendLoginAsync(email, "wrong password", device);
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    private Task<HttpResponseMessage> SendLoginAsync(string email, string password, string? device) =>
        _client.SendWithCookieAsync(HttpMethod.Post, "/login", device is null ? null : $"{DeviceCookie}={device}",
            JsonContent.Create(new { email, password }));
}
