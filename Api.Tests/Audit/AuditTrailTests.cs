using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Audit;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Api.Tests.TwoFactor;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Audit;

/// <summary>Each security event leaves the right row in audit_events, and only with its change.</summary>
public sealed class AuditTrailTests(MailFixture fixture) : IClassFixture<MailFixture>
{
    private const string Peer = "203.0.113.7";
    private const string Agent = "AuditTest/1.0";

    private readonly ApiFactory _api = fixture.Factory;
    private readonly HttpClient _client = CreateClient(fixture.Factory);

    private static HttpClient CreateClient(ApiFactory factory)
    {
        var client = factory.CreateBareClient();
        client.DefaultRequestHeaders.Add(ApiFactory.PeerHeader, Peer);
        client.DefaultRequestHeaders.UserAgent.ParseAdd(Agent);
        return client;
    }

    [Fact]
    public async Task A_login_records_its_session_address_and_browser_and_a_logout_the_same_session()
    {
        var user = await _api.CreateUserAsync();
        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        var token = ApiClient.SessionTokenFrom(login)!;
        var sessionId = await _api.ScalarSqlAsync<Guid>("SELECT id FROM sessions WHERE user_id = @Id", new { user.Id });
        using (await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={token}")) { }

        var events = await EventsAsync(user.Id);
        Assert.Equal([AuditEventTypes.Logout, AuditEventTypes.LoginSucceeded], events.Select(e => e.Type));
        Assert.All(events, e =>
        {
            Assert.Equal(sessionId, e.SessionId);
            Assert.Equal(user.Id, e.ActorId);
            Assert.Equal(Peer, e.Ip);
            Assert.Equal(Agent, e.UserAgent);
        });
    }

    [Fact]
    public async Task Failed_logins_record_why_and_an_unknown_email_leaves_no_trace_of_what_was_typed()
    {
        var user = await _api.CreateUserAsync();
        var before = await MaxIdAsync();
        var typed = $"secret-password-typed-as-email-{Guid.NewGuid():N}@example.com";
        using (await _client.PostLoginAsync(typed, "whatever it is")) { }
        using (await _client.PostLoginAsync(user.Email, "not the password")) { }

        var unknown = (await EventsSinceAsync(before)).Single(e => e.UserId is null);
        Assert.Equal(AuditEventTypes.LoginFailed, unknown.Type);
        Assert.Equal("unknown_email", unknown.Detail["reason"]);
        Assert.Null(unknown.ActorId);
        var all = await _api.QuerySqlAsync<string>("SELECT row_to_json(a)::text FROM audit_events a WHERE id > @before", new { before });
        Assert.DoesNotContain(all, row => row.Contains("secret-password-typed", StringComparison.OrdinalIgnoreCase));

        var wrong = Assert.Single(await EventsAsync(user.Id));
        Assert.Equal(AuditEventTypes.LoginFailed, wrong.Type);
        Assert.Equal("wrong_password", wrong.Detail["reason"]);
    }

    [Fact]
    public async Task The_fifth_wrong_password_locks_the_account_once_and_then_logins_fail_as_locked()
    {
        var user = await _api.CreateUserAsync();
        for (var i = 0; i < 6; i++)
        {
            using (await _client.PostLoginAsync(user.Email, "not the password")) { }
        }

        var events = (await EventsAsync(user.Id)).OrderBy(e => e.Id).ToList();
        Assert.Equal(1, events.Count(e => e.Type == AuditEventTypes.AccountLocked));
        Assert.Equal("account", events.Single(e => e.Type == AuditEventTypes.AccountLocked).Detail["budget"]);
        Assert.Equal(["wrong_password", "wrong_password", "wrong_password", "wrong_password", "wrong_password", "locked"],
            events.Where(e => e.Type == AuditEventTypes.LoginFailed).Select(e => e.Detail["reason"]));
    }

    [Fact]
    public async Task A_disabled_account_and_a_missing_second_factor_are_failures_of_their_own_kind()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, codes) = await _client.EnableTwoFactorAsync(_api, token, user);
        using (await _client.PostLoginAsync(user.Email, user.Password)) { }
        using (await _client.LoginWithSecondFactorAsync(user, recoveryCode: codes[0])) { }
        var disabled = await _api.CreateUserAsync();
        await _api.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = @Id", new { disabled.Id });
        using (await _client.PostLoginAsync(disabled.Email, disabled.Password)) { }

        var events = await EventsAsync(user.Id);
        Assert.Contains(events, e => e.Type == AuditEventTypes.TwoFactorEnabled && e.Detail["otherSessionsEnded"] == "0");
        Assert.Contains(events, e => e.Type == AuditEventTypes.LoginFailed && e.Detail["reason"] == "second_factor_missing");
        Assert.Contains(events, e => e.Type == AuditEventTypes.RecoveryCodeUsed);
        Assert.Contains(events, e => e.Type == AuditEventTypes.LoginSucceeded && e.Detail.GetValueOrDefault("secondFactor") == "recovery_code");
        Assert.Equal("disabled", Assert.Single(await EventsAsync(disabled.Id)).Detail["reason"]);
        _ = app;
    }

    [Fact]
    public async Task Session_revocations_password_changes_and_two_factor_changes_are_recorded()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var other = await _client.LoginAsync(user);
        var otherId = await _api.ScalarSqlAsync<Guid>("SELECT id FROM sessions WHERE token_hash = sha256(convert_to(@other, 'UTF8'))", new { other });
        using (await _client.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{otherId}", $"{ApiClient.CookieName}={token}")) { }
        await _client.LoginAsync(user);
        using (await _client.SendWithCookieAsync(HttpMethod.Delete, "/sessions", $"{ApiClient.CookieName}={token}")) { }
        using var change = await _client.PostWithSessionAsync("/profile/password", token, new { currentPassword = user.Password, newPassword = "another good password" });
        token = ApiClient.SessionTokenFrom(change)!;
        var changed = user with { Password = "another good password" };
        var (app, _) = await _client.EnableTwoFactorAsync(_api, token, changed);
        using (await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", token, new { currentPassword = changed.Password, code = app.Code() })) { }
        app.NextStep();
        using (await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = changed.Password, code = app.Code() })) { }

        var events = await EventsAsync(user.Id);
        var revoked = Assert.Single(events, e => e.Type == AuditEventTypes.SessionRevoked);
        Assert.Equal(otherId, revoked.SessionId);
        Assert.Equal("user", revoked.Detail["by"]);
        Assert.Equal("1", Assert.Single(events, e => e.Type == AuditEventTypes.OtherSessionsRevoked).Detail["count"]);
        Assert.Single(events, e => e.Type == AuditEventTypes.PasswordChanged);
        Assert.Single(events, e => e.Type == AuditEventTypes.TwoFactorEnabled);
        Assert.Single(events, e => e.Type == AuditEventTypes.RecoveryCodesRegenerated);
        Assert.Single(events, e => e.Type == AuditEventTypes.TwoFactorDisabled);
    }

    [Fact]
    public async Task Admin_actions_record_the_admin_as_actor_and_the_user_as_subject()
    {
        var admin = await _api.CreateUserAsync(Roles.Admin);
        var adminToken = await _client.LoginAsync(admin);
        var email = $"made-{Guid.NewGuid():N}@example.com";
        using var create = await _client.SendWithCookieAsync(HttpMethod.Post, "/admin/users", $"{ApiClient.CookieName}={adminToken}",
            JsonContent.Create(new { email, name = "Made", role = "user", password = "made by an admin", emailVerified = true }));
        var id = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        foreach (var body in new object[] { new { role = "admin" }, new { disabled = true }, new { disabled = false } })
        {
            using (await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{id}", $"{ApiClient.CookieName}={adminToken}", JsonContent.Create(body))) { }
        }
        using (await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{id}/sessions", $"{ApiClient.CookieName}={adminToken}")) { }

        var events = (await EventsAsync(id)).OrderBy(e => e.Id).ToList();
        Assert.Equal([AuditEventTypes.UserCreated, AuditEventTypes.RoleChanged, AuditEventTypes.UserDisabled, AuditEventTypes.UserEnabled, AuditEventTypes.AdminForcedLogout],
            events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(admin.Id, e.ActorId));
        Assert.Equal("admin", events[0].Detail["via"]);
        Assert.Equal(("user", "admin"), (events[1].Detail["from"], events[1].Detail["to"]));
    }

    [Fact]
    public async Task Registration_reset_and_verification_are_recorded_and_the_reset_request_names_no_one_who_asked()
    {
        var email = $"reg-{Guid.NewGuid():N}@example.com";
        using var register = await _client.PostAsJsonAsync("/register", new { email, name = "Reg", password = "a long enough password" });
        var id = (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("id").GetInt64();
        await MailTesting.EventuallyAsync(() => fixture.Smtp.For(email).Count == 1, "the verification mail arrives");
        using (await _client.PostAsJsonAsync("/email/verify", new { token = MailTesting.TokenIn(fixture.Smtp.For(email).Single()) })) { }
        using (await _client.PostAsJsonAsync("/password/forgot", new { email })) { }
        await MailTesting.EventuallyAsync(() => fixture.Smtp.For(email).Count == 2, "the reset mail arrives");
        using (await _client.PostAsJsonAsync("/password/reset", new { token = MailTesting.TokenIn(fixture.Smtp.For(email)[1]), newPassword = "a reset password" })) { }

        var events = (await EventsAsync(id)).OrderBy(e => e.Id).ToList();
        Assert.Equal([AuditEventTypes.UserCreated, AuditEventTypes.EmailVerified, AuditEventTypes.PasswordResetRequested, AuditEventTypes.PasswordResetCompleted],
            events.Select(e => e.Type));
        Assert.Equal("registration", events[0].Detail["via"]);
        var requested = events[2];
        Assert.Null(requested.ActorId);
        Assert.Null(requested.Ip);
    }

    [Fact]
    public async Task A_reset_of_an_unverified_account_also_records_the_address_as_verified()
    {
        var user = await _api.CreateUserAsync();
        using (await _client.PostAsJsonAsync("/password/forgot", new { email = user.Email })) { }
        await MailTesting.EventuallyAsync(() => fixture.Smtp.For(user.Email).Count == 1, "the reset mail arrives");
        using (await _client.PostAsJsonAsync("/password/reset", new { token = MailTesting.TokenIn(fixture.Smtp.For(user.Email).Single()), newPassword = "a reset password" })) { }

        var verified = Assert.Single(await EventsAsync(user.Id), e => e.Type == AuditEventTypes.EmailVerified);
        Assert.Equal("password_reset", verified.Detail["via"]);
    }

    [Fact]
    public async Task A_signed_in_session_guessing_the_password_or_a_code_leaves_a_trail()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var sessionId = await _api.ScalarSqlAsync<Guid>("SELECT id FROM sessions WHERE user_id = @Id", new { user.Id });
        using (await _client.PostWithSessionAsync("/profile/password", token, new { currentPassword = "a guess", newPassword = "another good password" })) { }
        await _client.EnableTwoFactorAsync(_api, token, user);
        using (await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = "000000" })) { }

        var failures = (await EventsAsync(user.Id)).Where(e => e.Type == AuditEventTypes.PasswordCheckFailed).OrderBy(e => e.Id).ToList();
        Assert.Equal([("current_password_wrong", "ChangePassword"), ("second_factor_wrong", "DisableTwoFactor")],
            failures.Select(e => (e.Detail["reason"], e.Detail["endpoint"])));
        Assert.All(failures, e => Assert.Equal((sessionId, user.Id), (e.SessionId!.Value, e.ActorId!.Value)));
        // A login's failures stay login_failed.
        Assert.DoesNotContain(await EventsAsync(user.Id), e => e.Type == AuditEventTypes.LoginFailed);
    }

    [Fact]
    public async Task A_change_that_rolls_back_leaves_no_event()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var before = await MaxIdAsync();
        // Fails the password change at commit, after every statement of it (the event's insert included) ran.
        await _api.ExecuteSqlAsync($"""
            CREATE FUNCTION refuse_{user.Id}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
            CREATE CONSTRAINT TRIGGER refuse_{user.Id} AFTER UPDATE ON users DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.id = {user.Id}) EXECUTE FUNCTION refuse_{user.Id}();
            """);
        try
        {
            using var change = await _client.PostWithSessionAsync("/profile/password", token, new { currentPassword = user.Password, newPassword = "never stored password" });
            Assert.Equal(HttpStatusCode.InternalServerError, change.StatusCode);
        }
        finally
        {
            await _api.ExecuteSqlAsync($"DROP TRIGGER refuse_{user.Id} ON users; DROP FUNCTION refuse_{user.Id}();");
        }

        Assert.DoesNotContain(await EventsSinceAsync(before), e => e.Type == AuditEventTypes.PasswordChanged);
        await _client.AssertSessionAliveAsync(token);
    }

    [Fact]
    public async Task Reads_write_no_events()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var before = await MaxIdAsync();
        foreach (var path in new[] { "/profile", "/session", "/dashboard", "/sessions", "/profile/2fa", "/profile/activity" })
        {
            using var response = await _client.GetWithSessionAsync(path, token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Empty(await EventsSinceAsync(before));
    }

    [Fact]
    public async Task Events_past_the_retention_are_deleted_by_the_cleanup()
    {
        var user = await _api.CreateUserAsync();
        using (await _client.PostLoginAsync(user.Email, "not the password")) { }
        await _api.ExecuteSqlAsync("UPDATE audit_events SET at = at - interval '181 days' WHERE user_id = @Id", new { user.Id });
        using (await _client.PostLoginAsync(user.Email, "still not the password")) { }

        var deleted = await _api.Services.GetRequiredService<AuditTrail>().RunOnceAsync(CancellationToken.None);

        Assert.True(deleted >= 1);
        Assert.Single(await EventsAsync(user.Id));
    }

    private Task<long> MaxIdAsync() => _api.ScalarSqlAsync<long>("SELECT coalesce(max(id), 0) FROM audit_events");

    private async Task<IReadOnlyList<EventRow>> EventsAsync(long userId) =>
        await RowsAsync("WHERE user_id = @userId", new { userId });

    private async Task<IReadOnlyList<EventRow>> EventsSinceAsync(long before) =>
        await RowsAsync("WHERE id > @before", new { before });

    private async Task<IReadOnlyList<EventRow>> RowsAsync(string where, object parameters)
    {
        var rows = await _api.QuerySqlAsync<(long Id, string Type, long? UserId, long? ActorId, Guid? SessionId, string? Ip, string? UserAgent, string Detail)>(
            $"SELECT id, type, user_id, actor_id, session_id, host(ip), user_agent, detail::text FROM audit_events {where} ORDER BY id DESC", parameters);
        return [.. rows.Select(r => new EventRow(r.Id, r.Type, r.UserId, r.ActorId, r.SessionId, r.Ip, r.UserAgent,
            JsonSerializer.Deserialize<Dictionary<string, string>>(r.Detail)!))];
    }

    private sealed record EventRow(long Id, string Type, long? UserId, long? ActorId, Guid? SessionId, string? Ip, string? UserAgent, Dictionary<string, string> Detail);
}
