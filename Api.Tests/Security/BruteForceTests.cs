using System.Net;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Security;

public sealed class RateLimitFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimiting:AuthPermitLimit"] = "3",
        ["RateLimiting:AuthWindow"] = "00:10:00",
        ["ForwardedHeaders:KnownProxies:0"] = "10.0.0.1",
    };
}

public sealed class RateLimitTests(RateLimitFixture api) : IClassFixture<RateLimitFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_client_ip_over_the_login_limit_gets_429_problem_with_retry_after_while_others_are_unaffected()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await LoginFromAsync("192.0.2.10", forwardedFor: null);
            statuses.Add(response.StatusCode);
            if (i == 3)
            {
                var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
                Assert.Equal("Too many attempts", problem.GetProperty("title").GetString());
                Assert.True(int.Parse(response.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 0);
            }
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        using var otherClient = await LoginFromAsync("192.0.2.11", forwardedFor: null);
        await otherClient.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/password/forgot")]
    [InlineData("/email/verify/resend")]
    [InlineData("/password/reset")]
    [InlineData("/email/verify")]
    public async Task Requests_for_and_with_mailed_links_are_limited_per_client_ip(string path)
    {
        var peer = $"192.0.2.{100 + Array.IndexOf(["/password/forgot", "/email/verify/resend", "/password/reset", "/email/verify"], path)}";
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = System.Net.Http.Json.JsonContent.Create<object>(path switch
                {
                    "/password/reset" => new { token = new string('A', 43), newPassword = "a long enough password" },
                    "/email/verify" => new { token = new string('A', 43) },
                    _ => new { email = $"someone-{i}@example.com" },
                }),
            };
            request.Headers.Add(ApiFactory.PeerHeader, peer);
            using var response = await _client.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (i == 3)
            {
                await response.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            }
        }

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Take(3));
    }

    [Fact]
    public async Task Login_and_register_share_the_per_ip_budget()
    {
        for (var i = 0; i < 3; i++)
        {
            using var login = await LoginFromAsync("192.0.2.20", forwardedFor: null);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/register")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { email = "r@example.com", name = "R", password = "long enough pw" }),
        };
        request.Headers.Add(ApiFactory.PeerHeader, "192.0.2.20");

        using var register = await _client.SendAsync(request);

        await register.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task X_forwarded_for_counts_only_from_a_configured_proxy()
    {
        for (var i = 0; i < 5; i++)
        {
            // Through the trusted proxy every client has its own budget.
            using var viaProxy = await LoginFromAsync("10.0.0.1", forwardedFor: $"198.51.100.{i}");
            await viaProxy.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            // From anyone else the header is ignored: rotating it does not buy more attempts.
            using var spoofed = await LoginFromAsync("192.0.2.30", forwardedFor: $"203.0.113.{i}");
            statuses.Add(spoofed.StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task Authenticated_requests_are_not_rate_limited()
    {
        var user = await api.Factory.CreateUserAsync();
        using var login = await LoginFromAsync("192.0.2.40", forwardedFor: null, user.Email, user.Password);
        var token = ApiClient.SessionTokenFrom(login)!;

        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/profile");
            request.Headers.Add(ApiFactory.PeerHeader, "192.0.2.40");
            request.Headers.Add("Cookie", $"__Host-sid={token}");
            using var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Password_changes_share_the_per_ip_budget_of_login()
    {
        var user = await api.Factory.CreateUserAsync();
        using var login = await LoginFromAsync("192.0.2.50", forwardedFor: null, user.Email, user.Password);
        var token = ApiClient.SessionTokenFrom(login)!;
        var statuses = new List<HttpStatusCode>();

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/profile/password")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { currentPassword = "a wrong guess", newPassword = "a brand new password" }),
            };
            request.Headers.Add(ApiFactory.PeerHeader, "192.0.2.50");
            request.Headers.Add("Cookie", $"{ApiClient.CookieName}={token}");
            using var response = await _client.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
    }

    private Task<HttpResponseMessage> LoginFromAsync(string peer, string? forwardedFor, string? email = null, string password = "wrong password")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { email = email ?? $"rl-{Guid.NewGuid():N}@example.com", password }),
        };
        request.Headers.Add(ApiFactory.PeerHeader, peer);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        return _client.SendAsync(request);
    }
}

public sealed class LoginThrottleTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task After_five_failures_even_the_right_password_gets_429_until_the_lock_ends_then_it_works()
    {
        var user = await api.Factory.CreateUserAsync();
        await FailAsync(user.Email, 5);

        using (var locked = await _client.PostLoginAsync(user.Email, user.Password))
        {
            var problem = await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("Too many attempts", problem.GetProperty("title").GetString());
            Assert.Equal("15", locked.Headers.RetryAfter?.ToString());
            Assert.Empty(ApiClient.SetCookieHeaders(locked));
        }

        api.Factory.Clock.Advance(TimeSpan.FromSeconds(15));
        using var unlocked = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        Assert.Equal(0, await ThrottleRowsAsync(user.Email));
    }

    [Fact]
    public async Task Each_failure_past_the_free_attempts_doubles_the_lock()
    {
        var user = await api.Factory.CreateUserAsync();
        await FailAsync(user.Email, 5);
        var retryAfters = new List<string?>();

        for (var i = 0; i < 3; i++)
        {
            using var locked = await _client.PostLoginAsync(user.Email, "wrong");
            retryAfters.Add(locked.Headers.RetryAfter?.ToString());
            api.Factory.Clock.Advance(TimeSpan.FromSeconds(int.Parse(retryAfters[^1]!, System.Globalization.CultureInfo.InvariantCulture)));
            await FailAsync(user.Email, 1);
        }

        Assert.Equal(["15", "30", "60"], retryAfters);
    }

    [Fact]
    public async Task Unknown_emails_are_throttled_exactly_like_real_ones()
    {
        var email = $"ghost-{Guid.NewGuid():N}@example.com";
        await FailAsync(email, 5);

        using var locked = await _client.PostLoginAsync(email, "anything");

        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("15", locked.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task The_lock_holds_across_api_instances_sharing_the_database()
    {
        var user = await api.Factory.CreateUserAsync();
        await FailAsync(user.Email, 5);
        await using var otherInstance = new ApiFactory(api.Factory.ConnectionString);
        using var otherClient = otherInstance.CreateBareClient();

        using var response = await otherClient.PostLoginAsync(user.Email, user.Password);

        await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Old_failures_are_forgotten_and_cleaned_up()
    {
        var user = await api.Factory.CreateUserAsync();
        await FailAsync(user.Email, 4);
        api.Factory.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        await FailAsync(user.Email, 4);
        using var stillOpen = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, stillOpen.StatusCode);

        await FailAsync(user.Email, 1);
        api.Factory.Clock.Advance(TimeSpan.FromHours(2));
        var cleanup = api.Factory.Services.GetRequiredService<Api.Auth.LoginThrottle>();
        Assert.True(await cleanup.RunOnceAsync(CancellationToken.None) >= 1);
        Assert.Equal(0, await ThrottleRowsAsync(user.Email));
    }

    private async Task FailAsync(string email, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await _client.PostLoginAsync(email, "wrong password");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    private Task<int> ThrottleRowsAsync(string email) =>
        api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM login_throttle WHERE email_key = lower(@email)", new { email });
}
