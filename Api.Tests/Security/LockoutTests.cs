using System.Net;
using System.Net.Http.Json;
using Api.Passwords;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Security;

public sealed class LockoutArithmeticTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Theory]
    [InlineData(1_030)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue - 1)]
    [InlineData(int.MaxValue)]
    public async Task Any_failure_count_gives_the_max_lockout_and_never_an_error(int failedCount)
    {
        var user = await api.Factory.CreateUserAsync();
        var now = api.Factory.Clock.GetUtcNow().UtcDateTime;
        // An attacker built the count up over time; the last lock has just ended.
        await api.Factory.ExecuteSqlAsync("""
            INSERT INTO login_throttle (email_key, failed_count, last_failed_at, locked_until)
            VALUES (lower(@Email), @failedCount, @now, @now)
            """, new { user.Email, failedCount, now });

        using var guess = await _client.PostLoginAsync(user.Email, "wrong password");
        await guess.AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var locked = await _client.PostLoginAsync(user.Email, user.Password);

        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("900", locked.Headers.RetryAfter?.ToString());
    }
}

/// <summary>bcrypt at a cost that takes milliseconds, and a queue long enough that no guess is turned away with 503.</summary>
public sealed class SlowHashFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Passwords:WorkFactor"] = "8",
        ["Passwords:QueueTimeout"] = "00:01:00",
    };
}

public sealed class LockoutRaceTests(SlowHashFixture api) : IClassFixture<SlowHashFixture>
{
    [Fact]
    public async Task Thirty_parallel_wrong_guesses_for_one_email_let_at_most_the_free_attempts_reach_the_password_check()
    {
        var user = await api.Factory.CreateUserAsync();
        using var client = api.Factory.CreateBareClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => client.PostLoginAsync(user.Email, "wrong password")));

        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(25, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}

/// <summary>One bcrypt slot and no queue, so a test can hold the slot and make every login wait for none.</summary>
public sealed class NoQueueFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Passwords:MaxConcurrentHashes"] = "1",
        ["Passwords:QueueTimeout"] = "00:00:00",
    };
}

public sealed class LockoutReservationTests(NoQueueFixture api) : IClassFixture<NoQueueFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_login_turned_away_for_want_of_a_bcrypt_slot_gives_its_attempt_back()
    {
        var user = await api.Factory.CreateUserAsync();
        var limiter = api.Factory.Services.GetRequiredService<PasswordWorkLimiter>();
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(() => limiter.TryRunAsync(() => release.Wait(TimeSpan.FromSeconds(30)), CancellationToken.None));
        await WaitUntilAsync(async () =>
        {
            using var probe = await _client.PostLoginAsync($"probe-{Guid.NewGuid():N}@example.com", "x");
            return probe.StatusCode == HttpStatusCode.ServiceUnavailable;
        });

        for (var i = 0; i < 10; i++)
        {
            using var busy = await _client.PostLoginAsync(user.Email, "wrong password");
            await busy.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        }
        release.Set();
        await holder;

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await _client.PostLoginAsync(user.Email, "wrong password");
            await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
        using var locked = await _client.PostLoginAsync(user.Email, user.Password);
        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(10);
        }
        throw new TimeoutException("The condition never held.");
    }
}

public sealed class PasswordChangeThrottleTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_stolen_session_cannot_guess_the_current_password_past_the_free_attempts()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await ChangePasswordAsync(token, "a wrong guess");
            var problem = await wrong.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("currentPassword", out _));
        }
        using var locked = await ChangePasswordAsync(token, user.Password);

        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("15", locked.Headers.RetryAfter?.ToString());
        // The lock is the account's: a login from a browser it never vouched for is refused too.
        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        await login.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        // The session itself is untouched: the SPA is told to wait, not that it was logged out.
        await _client.AssertSessionAliveAsync(token);
    }

    [Fact]
    public async Task Guesses_at_login_count_against_a_password_change_too()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await _client.PostLoginAsync(user.Email, "wrong password");
        }

        using var locked = await ChangePasswordAsync(token, user.Password);

        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(locked.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_right_current_password_still_changes_the_password_after_a_few_wrong_ones()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        for (var i = 0; i < 4; i++)
        {
            using var wrong = await ChangePasswordAsync(token, "a wrong guess");
        }

        using var changed = await ChangePasswordAsync(token, user.Password);

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM login_throttle WHERE email_key = lower(@Email)", new { user.Email }));
    }

    private Task<HttpResponseMessage> ChangePasswordAsync(string token, string currentPassword) =>
        _client.SendWithCookieAsync(HttpMethod.Post, "/profile/password", $"{ApiClient.CookieName}={token}",
            JsonContent.Create(new { currentPassword, newPassword = "a brand new password " + Guid.NewGuid().ToString("N")[..6] }));
}

public sealed class PasswordUpgradeTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task An_outdated_hash_is_upgraded_only_while_it_is_still_the_stored_one()
    {
        var user = await api.Factory.CreateUserAsync();
        var users = api.Factory.Services.GetRequiredService<Api.Users.UserStore>();
        var stored = await api.Factory.ScalarSqlAsync<string>("SELECT password_hash FROM users WHERE id = @Id", new { user.Id });
        // A password change commits between a login's check of the old hash and its upgrade of that hash.
        await api.Factory.ExecuteSqlAsync("UPDATE users SET password_hash = 'changed meanwhile' WHERE id = @Id", new { user.Id });

        await users.UpgradePasswordHashAsync(user.Id, stored, "upgraded old password");

        Assert.Equal("changed meanwhile", await api.Factory.ScalarSqlAsync<string>("SELECT password_hash FROM users WHERE id = @Id", new { user.Id }));
    }
}
