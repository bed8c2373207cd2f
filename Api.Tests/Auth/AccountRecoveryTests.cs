using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Auth;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Auth;

/// <summary>Password reset and email verification, with mail delivered through a real SMTP server.</summary>
public sealed class AccountRecoveryTests(MailFixture fixture) : IClassFixture<MailFixture>
{
    private readonly ApiFactory _api = fixture.Factory;
    private readonly TestSmtpServer _smtp = fixture.Smtp;
    private readonly HttpClient _client = fixture.Factory.CreateBareClient();

    [Fact]
    public async Task A_forgotten_password_is_reset_from_the_mailed_link_and_every_old_session_ends()
    {
        var user = await _api.CreateUserAsync();
        var oldSession = await _client.LoginAsync(user);

        using var forgot = await PostAsync("/password/forgot", new { email = user.Email });
        var token = await TokenFromMailAsync(user.Email, "reset");
        using var reset = await PostAsync("/password/reset", new { token, newPassword = "a brand new password" });

        Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        await _client.AssertSessionDeadAsync(oldSession);
        using var oldPassword = await _client.PostLoginAsync(user.Email, user.Password);
        await oldPassword.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        using var newPassword = await _client.PostLoginAsync(user.Email, "a brand new password");
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
    }

    [Fact]
    public async Task A_reset_mail_has_text_and_html_bodies_with_the_name_html_encoded()
    {
        var email = $"encoded-{Guid.NewGuid():N}@example.com";
        await _api.Services.GetRequiredService<Api.Users.UserStore>().CreateAsync(email, "<b>Mallory</b> & Co", Roles.User, "$2b$04$" + new string('a', 53));

        using var forgot = await PostAsync("/password/forgot", new { email });
        await MailTesting.EventuallyAsync(() => _smtp.For(email).Count == 1, "the reset mail arrives");

        var message = _smtp.For(email).Single();
        Assert.Contains("Hello <b>Mallory</b> & Co,", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hello &lt;b&gt;Mallory&lt;/b&gt; &amp; Co,", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Mallory", message.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(43, MailTesting.TokenIn(message).Length);
        Assert.Contains(MailTesting.TokenIn(message), MailTesting.LinkIn(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reset_token_works_once()
    {
        var user = await _api.CreateUserAsync();
        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        var token = await TokenFromMailAsync(user.Email, "reset");

        using var first = await PostAsync("/password/reset", new { token, newPassword = "first new password" });
        using var again = await PostAsync("/password/reset", new { token, newPassword = "second new password" });

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        var problem = await again.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.True(problem.GetProperty("errors").TryGetProperty("token", out _));
    }

    [Fact]
    public async Task A_reset_token_expires_after_its_lifetime()
    {
        var user = await _api.CreateUserAsync();
        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        var token = await TokenFromMailAsync(user.Email, "reset");
        _api.Clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));

        using var reset = await PostAsync("/password/reset", new { token, newPassword = "too late for this" });

        await reset.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task A_newer_reset_mail_supersedes_the_older_link_and_a_second_request_within_the_interval_sends_nothing()
    {
        var user = await _api.CreateUserAsync();
        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        var older = await TokenFromMailAsync(user.Email, "first reset");
        using var tooSoon = await PostAsync("/password/forgot", new { email = user.Email });
        await DrainRequestsAsync();
        _api.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        await MailTesting.EventuallyAsync(() => _smtp.For(user.Email).Count == 2, "the second reset mail arrives");
        var newer = MailTesting.TokenIn(_smtp.For(user.Email)[1]);

        using var withOlder = await PostAsync("/password/reset", new { token = older, newPassword = "from the older link" });
        using var withNewer = await PostAsync("/password/reset", new { token = newer, newPassword = "from the newer link" });

        // The request within the interval was answered like any other, and sent nothing: two mails for three requests.
        Assert.Equal(HttpStatusCode.Accepted, tooSoon.StatusCode);
        Assert.Equal(2, _smtp.For(user.Email).Count);
        await withOlder.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.NoContent, withNewer.StatusCode);
    }

    [Fact]
    public async Task A_burst_of_resets_with_one_token_changes_the_password_once()
    {
        var user = await _api.CreateUserAsync();
        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        var token = await TokenFromMailAsync(user.Email, "reset");

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var response = await PostAsync("/password/reset", new { token, newPassword = $"burst password {i}" });
            return response.StatusCode;
        }));

        Assert.Equal(1, answers.Count(status => status == HttpStatusCode.NoContent));
        Assert.Equal(9, answers.Count(status => status == HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_reset_lifts_the_accounts_lock()
    {
        var user = await _api.CreateUserAsync();
        for (var i = 0; i < 6; i++)
        {
            using var wrong = await _client.PostLoginAsync(user.Email, "not the password");
        }
        using var locked = await _client.PostLoginAsync(user.Email, user.Password);
        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests, "account_locked");

        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        using var reset = await PostAsync("/password/reset", new { token = await TokenFromMailAsync(user.Email, "reset"), newPassword = "unlocked at last" });
        using var login = await _client.PostLoginAsync(user.Email, "unlocked at last");

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task The_new_password_follows_the_usual_rules_and_a_refused_one_does_not_spend_the_token()
    {
        var user = await _api.CreateUserAsync();
        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        var token = await TokenFromMailAsync(user.Email, "reset");

        using var tooShort = await PostAsync("/password/reset", new { token, newPassword = "short" });
        using var good = await PostAsync("/password/reset", new { token, newPassword = "long enough now" });

        var problem = await tooShort.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("newPassword", out _));
        Assert.Equal(HttpStatusCode.NoContent, good.StatusCode);
    }

    [Fact]
    public async Task Unknown_disabled_and_known_accounts_get_the_same_answer_and_only_the_active_one_a_mail()
    {
        var active = await _api.CreateUserAsync();
        var disabled = await _api.CreateUserAsync();
        await _api.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { disabled.Id });
        var unknown = $"unknown-{Guid.NewGuid():N}@example.com";

        var answers = new List<string>();
        foreach (var email in new[] { active.Email, disabled.Email, unknown })
        {
            using var response = await PostAsync("/password/forgot", new { email });
            answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await DrainRequestsAsync();
        await MailTesting.EventuallyAsync(() => _smtp.For(active.Email).Count == 1, "the active account's mail arrives");

        Assert.Single(answers.Distinct());
        Assert.StartsWith("202 ", answers[0], StringComparison.Ordinal);
        Assert.Empty(_smtp.For(disabled.Email));
        Assert.Empty(_smtp.For(unknown));
    }

    [Fact]
    public async Task Registration_mails_a_verification_link_that_marks_the_address_verified()
    {
        var email = $"new-{Guid.NewGuid():N}@example.com";
        using var register = await PostAsync("/register", new { email, name = "New User", password = "a good password" });
        var session = ApiClient.SessionTokenFrom(register)!;
        var before = await ProfileAsync(session);

        using var verify = await PostAsync("/email/verify", new { token = await TokenFromMailAsync(email, "verification") });
        var after = await ProfileAsync(session);
        using var state = await _client.GetWithSessionAsync("/session", session);

        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        Assert.False(before.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, verify.StatusCode);
        Assert.True(after.GetProperty("emailVerified").GetBoolean());
        Assert.True((await state.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("emailVerified").GetBoolean());
    }

    [Fact]
    public async Task A_verification_link_can_be_sent_again_to_an_unverified_account_only()
    {
        var email = $"resend-{Guid.NewGuid():N}@example.com";
        using (await PostAsync("/register", new { email, name = "Resend", password = "a good password" }))
        {
        }
        await MailTesting.EventuallyAsync(() => _smtp.For(email).Count == 1, "the registration mail arrives");
        _api.Clock.Advance(TimeSpan.FromMinutes(3));
        var verified = await _api.CreateUserAsync();
        await _api.ExecuteSqlAsync("UPDATE users SET email_verified_at = created_at WHERE id = @Id", new { verified.Id });

        using var resend = await PostAsync("/email/verify/resend", new { email });
        using var resendVerified = await PostAsync("/email/verify/resend", new { email = verified.Email });
        await MailTesting.EventuallyAsync(() => _smtp.For(email).Count == 2, "the second verification mail arrives");
        await DrainRequestsAsync();

        Assert.Equal(HttpStatusCode.Accepted, resend.StatusCode);
        Assert.Equal(await resend.Content.ReadAsStringAsync(), await resendVerified.Content.ReadAsStringAsync());
        Assert.Empty(_smtp.For(verified.Email));
        var first = MailTesting.TokenIn(_smtp.For(email)[0]);
        using var superseded = await PostAsync("/email/verify", new { token = first });
        await superseded.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task A_verification_token_cannot_reset_a_password_nor_a_reset_token_verify()
    {
        var email = $"purpose-{Guid.NewGuid():N}@example.com";
        using (await PostAsync("/register", new { email, name = "Purpose", password = "a good password" }))
        {
        }
        var verification = await TokenFromMailAsync(email, "verification");

        using var reset = await PostAsync("/password/reset", new { token = verification, newPassword = "hijacked password" });

        await reset.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task An_admin_creates_users_verified_or_asked_to_verify()
    {
        var admin = await _api.CreateUserAsync(Roles.Admin);
        var session = await _client.LoginAsync(admin);
        var vouched = $"vouched-{Guid.NewGuid():N}@example.com";
        var asked = $"asked-{Guid.NewGuid():N}@example.com";

        using var first = await PostAsync("/admin/users", new { email = vouched, name = "Vouched", role = "user", password = "a good password", emailVerified = true }, session);
        using var second = await PostAsync("/admin/users", new { email = asked, name = "Asked", role = "user", password = "a good password" }, session);
        await MailTesting.EventuallyAsync(() => _smtp.For(asked).Count == 1, "the verification mail arrives");

        Assert.NotNull((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("emailVerifiedAt").GetString());
        Assert.Equal(JsonValueKind.Null, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("emailVerifiedAt").ValueKind);
        Assert.Empty(_smtp.For(vouched));
    }

    [Fact]
    public async Task A_request_that_cannot_be_answered_is_dropped_and_the_api_answers_the_next_ones()
    {
        // An account from before addresses were checked for deliverability; no mail can be addressed to it.
        var unmailable = $"x,y-{Guid.NewGuid():N}@example.com";
        await _api.ExecuteSqlAsync("""
            INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
            VALUES (@unmailable, 'Legacy', 'user', 'not a hash', now(), now())
            """, new { unmailable });
        var user = await _api.CreateUserAsync();

        await _api.Services.GetRequiredService<AccountRequestStore>().EnqueueAsync(TokenPurpose.PasswordReset, unmailable);
        using var next = await PostAsync("/password/forgot", new { email = user.Email });

        await TokenFromMailAsync(user.Email, "reset");
        await DrainRequestsAsync();
        Assert.Contains(_api.Logs, line => line.Contains("could not be answered and was dropped", StringComparison.Ordinal));
        Assert.False(_api.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task A_reset_link_dies_with_a_password_change_and_with_a_disabled_account()
    {
        var changer = await _api.CreateUserAsync();
        var disabled = await _api.CreateUserAsync();
        foreach (var user in new[] { changer, disabled })
        {
            using (await PostAsync("/password/forgot", new { email = user.Email }))
            {
            }
        }
        var changerToken = await TokenFromMailAsync(changer.Email, "reset");
        var disabledToken = await TokenFromMailAsync(disabled.Email, "reset");
        var session = await _client.LoginAsync(changer);
        using (var change = await PostAsync("/profile/password", new { currentPassword = changer.Password, newPassword = "changed meanwhile" }, session))
        {
            Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        }
        await _api.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { disabled.Id });

        using var afterChange = await PostAsync("/password/reset", new { token = changerToken, newPassword = "from an old link" });
        using var afterDisable = await PostAsync("/password/reset", new { token = disabledToken, newPassword = "from an old link" });

        await afterChange.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        await afterDisable.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task A_login_checked_against_a_password_that_changed_meanwhile_gets_no_session()
    {
        var user = await _api.CreateUserAsync();
        var sessions = _api.Services.GetRequiredService<SessionStore>();
        var hash = await _api.ScalarSqlAsync<string>("SELECT password_hash FROM users WHERE id = @Id", new { user.Id });

        var current = await sessions.CreateAsync(user.Id, false, null, null, whilePasswordHash: hash);
        var stale = await sessions.CreateAsync(user.Id, false, null, null, whilePasswordHash: "$2b$04$" + new string('x', 53));
        await _api.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { user.Id });
        var disabled = await sessions.CreateAsync(user.Id, false, null, null, whilePasswordHash: hash);

        Assert.NotNull(current);
        Assert.Null(stale);
        Assert.Null(disabled);
        Assert.Equal(1, await _api.ScalarSqlAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @Id", new { user.Id }));
    }

    [Fact]
    public async Task A_token_that_cannot_be_one_is_token_invalid_without_a_password_hash()
    {
        using var reset = await PostAsync("/password/reset", new { token = "too-short", newPassword = "a long enough password" });

        await reset.AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task Expired_tokens_are_cleaned_up()
    {
        var user = await _api.CreateUserAsync();
        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        await TokenFromMailAsync(user.Email, "reset");
        _api.Clock.Advance(TimeSpan.FromHours(1));

        await _api.Services.GetRequiredService<AccountTokenStore>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(0, await _api.ScalarSqlAsync<int>("SELECT count(*) FROM account_tokens WHERE user_id = @Id", new { user.Id }));
    }

    [Fact]
    public async Task Logs_of_the_whole_recovery_never_contain_a_token_or_a_mail_body()
    {
        var user = await _api.CreateUserAsync();
        _api.Logs.Clear();

        using (await PostAsync("/password/forgot", new { email = user.Email }))
        {
        }
        var token = await TokenFromMailAsync(user.Email, "reset");
        using (await PostAsync("/password/reset", new { token, newPassword = "password in no log" }))
        {
        }
        await DrainRequestsAsync();

        var logs = string.Join("\n", _api.Logs);
        Assert.NotEmpty(_api.Logs);
        Assert.DoesNotContain(token, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(Api.Infrastructure.SecretToken.Hash(token)), logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("password in no log", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Choose a new one here", logs, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (session is not null)
        {
            request.Headers.Add("Cookie", $"{ApiClient.CookieName}={session}");
        }
        return await _client.SendAsync(request);
    }

    private async Task<JsonElement> ProfileAsync(string session)
    {
        using var response = await _client.GetWithSessionAsync("/profile", session);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The token in the one mail <paramref name="email"/> has received, once it has arrived.</summary>
    private async Task<string> TokenFromMailAsync(string email, string what)
    {
        await MailTesting.EventuallyAsync(() => _smtp.For(email).Count == 1, $"the {what} mail arrives");
        return MailTesting.TokenIn(_smtp.For(email).Single());
    }

    /// <summary>Answers every queued account request now, as the worker would.</summary>
    private async Task DrainRequestsAsync() => await
        MailTesting.EventuallyAsync(async () => await _api.ScalarSqlAsync<int>("SELECT count(*) FROM account_requests") == 0, "every request is answered");
}

/// <summary>Its own host is never started (the test runs one without the worker), so nothing drains the requests.</summary>
public sealed class SmallRequestQueueFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Email:MaxPendingRequests"] = "2",
    };
}

/// <summary>The pending requests stay bounded whatever comes in: past the cap, a request is answered 202 and dropped.</summary>
public sealed class AccountRequestCapTests(SmallRequestQueueFixture fixture) : IClassFixture<SmallRequestQueueFixture>
{
    [Fact]
    public async Task Requests_beyond_the_cap_are_answered_alike_and_never_stored()
    {
        await using var api = fixture.Factory.Without<AccountRequestWorker>();
        using var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });

        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.PostAsJsonAsync("/password/forgot", new { email = $"flood-{i}@example.com" });
            answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Single(answers.Distinct());
        Assert.Equal(2, await fixture.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM account_requests"));
    }
}

