using System.Net.Http.Json;
using Api.Infrastructure;
using Api.Passwords;
using Api.Sessions;
using Api.Tests.Mail;
using Api.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Infrastructure;

public sealed record TestUser(long Id, string Email, string Password, string Role);

/// <summary>The few steps nearly every test takes: make a user, log in, call with a session cookie.</summary>
public static class ApiClient
{
    public const string CookieName = "__Host-sid";
    public const string DeviceCookieName = "__Host-device";

    public static async Task<TestUser> CreateUserAsync(this ApiFactory factory, string role = Roles.User, string? password = null)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        password ??= "correct horse " + Guid.NewGuid().ToString("N")[..8];
        var hash = factory.Services.GetRequiredService<PasswordHasher>().Hash(password);
        var id = await factory.Services.GetRequiredService<UserStore>().CreateAsync(email, "Test " + role, role, hash);
        return new TestUser(id, email, password, role);
    }

    public static Task<HttpResponseMessage> PostLoginAsync(this HttpClient client, string email, string password, bool rememberMe = false, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = JsonContent.Create(new { email, password, rememberMe }),
        };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{CookieName}={cookie}");
        }
        return client.SendAsync(request);
    }

    /// <summary>Logs in and returns the session token from the Set-Cookie header.</summary>
    public static async Task<string> LoginAsync(this HttpClient client, TestUser user, bool rememberMe = false)
    {
        using var response = await client.PostLoginAsync(user.Email, user.Password, rememberMe);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return SessionTokenFrom(response) ?? throw new InvalidOperationException("Login set no session cookie.");
    }

    public static string? SessionTokenFrom(HttpResponseMessage response) => CookieFrom(response, CookieName);

    public static string? DeviceTokenFrom(HttpResponseMessage response) => CookieFrom(response, DeviceCookieName);

    /// <summary>The last non-empty value the response sets for the cookie, or null.</summary>
    public static string? CookieFrom(HttpResponseMessage response, string name) =>
        SetCookieHeaders(response)
            .Select(header => header.Split(';')[0])
            .Where(pair => pair.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(pair => pair[(name.Length + 1)..])
            .LastOrDefault(value => value.Length > 0);

    public static IEnumerable<string> SetCookieHeaders(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];

    public static Task<HttpResponseMessage> SendWithCookieAsync(this HttpClient client, HttpMethod method, string path, string? cookieHeader, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (cookieHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookieHeader);
        }
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetWithSessionAsync(this HttpClient client, string path, string token) =>
        client.SendWithCookieAsync(HttpMethod.Get, path, $"{CookieName}={token}");

    /// <summary>Asserts that the token no longer opens a session: /profile answers 401 problem.</summary>
    public static async Task AssertSessionDeadAsync(this HttpClient client, string token)
    {
        using var response = await client.GetWithSessionAsync("/profile", token);
        await response.AssertProblemAsync(System.Net.HttpStatusCode.Unauthorized);
    }

    /// <summary>
    /// Asserts that the token stops opening a session on this instance soon after another instance ended it: that
    /// reaches this one's session cache as a notification, within 100 ms at p99 (README, "The session cache"), not at
    /// once, and a listener that stalls is found out by its heartbeat within 1.5 s. On the instance that ended it,
    /// <see cref="AssertSessionDeadAsync"/> holds at once.
    /// </summary>
    public static Task AssertSessionEndsAsync(this HttpClient client, string token) =>
        MailTesting.EventuallyAsync(async () =>
        {
            using var response = await client.GetWithSessionAsync("/profile", token);
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                return false;
            }
            await response.AssertProblemAsync(System.Net.HttpStatusCode.Unauthorized);
            return true;
        }, "the session ends on this instance too", TimeSpan.FromSeconds(3));

    /// <summary>Asserts that the token opens a live session: /profile answers 200.</summary>
    public static async Task AssertSessionAliveAsync(this HttpClient client, string token)
    {
        using var response = await client.GetWithSessionAsync("/profile", token);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Reads the live session until <paramref name="cache"/> holds it, so a later 200 may have come from there. A read
    /// keeps nothing while the cache is bypassed (a heartbeat late on a busy machine) or when an invalidation of any
    /// session came during it (the generation moved): then it reads again. A read that kept nothing for no such reason
    /// fails at once.
    /// </summary>
    public static async Task CacheSessionAsync(this HttpClient client, SessionCache cache, string token)
    {
        var hash = SecretToken.Hash(token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (serving, generation, bypassed) = (cache.IsServing, cache.Generation, cache.BypassedFor());
            await client.AssertSessionAliveAsync(token);
            if (cache.Holds(hash))
            {
                return;
            }
            Assert.True(!serving || !cache.IsServing || cache.Generation != generation || cache.BypassedFor() != bypassed,
                "A read while the cache served, with no invalidation meanwhile, left the session out of the cache.");
            Assert.True(DateTime.UtcNow < deadline, "The session was not cached within 20 s: the cache kept being bypassed or invalidated.");
            await Task.Delay(50);
        }
    }
}
