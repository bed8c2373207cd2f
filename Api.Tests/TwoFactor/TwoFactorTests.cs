using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.TwoFactor;

public sealed class TwoFactorTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    private ApiFactory Factory => api.Factory;

    [Fact]
    public async Task Setup_checks_the_password_and_gives_a_pending_key_that_changes_nothing_until_enabled()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var wrong = await _client.PostWithSessionAsync("/profile/2fa/setup", token, new { currentPassword = "not the password" });
        var problem = await wrong.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.CurrentPasswordWrong);
        Assert.True(problem.GetProperty("errors").TryGetProperty("currentPassword", out _));

        using var setup = await _client.PostWithSessionAsync("/profile/2fa/setup", token, new { currentPassword = user.Password });
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        Assert.Equal("no-store", setup.Headers.CacheControl?.ToString());
        var body = await setup.Content.ReadFromJsonAsync<JsonElement>();
        var sharedKey = body.GetProperty("sharedKey").GetString()!;
        Assert.Matches("^[A-Z2-7]{32}$", sharedKey);
        var uri = body.GetProperty("otpauthUri").GetString()!;
        Assert.StartsWith("otpauth://totp/", uri, StringComparison.Ordinal);
        Assert.Contains("secret=" + sharedKey, uri, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString(user.Email), uri, StringComparison.Ordinal);

        Assert.Equal((false, true, 0), await StatusAsync(token));
        Assert.False(await TwoFactorEnabledOnProfileAsync(token));
        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);

        // Setting up again replaces the pending key: the first one's codes no longer enable anything.
        var first = new Authenticator(OtpNet.Base32Encoding.ToBytes(sharedKey), Factory.Clock);
        var second = await _client.SetUpAsync(Factory, token, user);
        using var stale = await _client.PostWithSessionAsync("/profile/2fa/enable", token, new { code = first.Code() });
        await stale.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.TwoFactorInvalid);
        using var enable = await _client.PostWithSessionAsync("/profile/2fa/enable", token, new { code = second.Code() });
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
    }

    [Fact]
    public async Task Enabling_takes_a_current_code_and_answers_ten_recovery_codes_stored_only_as_hashes()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var app = await _client.SetUpAsync(Factory, token, user);

        using var wrong = await _client.PostWithSessionAsync("/profile/2fa/enable", token, new { code = app.Code(TimeSpan.FromMinutes(5)) });
        var problem = await wrong.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.TwoFactorInvalid);
        Assert.True(problem.GetProperty("errors").TryGetProperty("code", out _));

        using var enable = await _client.PostWithSessionAsync("/profile/2fa/enable", token, new { code = app.Code() });
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        Assert.Equal("no-store", enable.Headers.CacheControl?.ToString());
        var codes = (await enable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, codes.Distinct().Count());

        Assert.Equal((true, false, 10), await StatusAsync(token));
        Assert.True(await TwoFactorEnabledOnProfileAsync(token));
        using var session = await _client.GetWithSessionAsync("/session", token);
        Assert.True((await session.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("twoFactorEnabled").GetBoolean());

        // At rest: the key only encrypted, the codes only hashed.
        var stored = await Factory.ScalarSqlAsync<string>("SELECT key_protected FROM two_factor WHERE user_id = @Id", new { user.Id });
        Assert.DoesNotContain(OtpNet.Base32Encoding.ToString(app.Key), stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(app.Key), stored, StringComparison.Ordinal);
        var hashes = await Factory.QuerySqlAsync<byte[]>("SELECT code_hash FROM two_factor_recovery_codes WHERE user_id = @Id", new { user.Id });
        Assert.Equal(10, hashes.Count);
        var dump = string.Join(",", hashes.Select(Convert.ToHexString)) + stored;
        Assert.All(codes, code => Assert.DoesNotContain(code.Replace("-", "", StringComparison.Ordinal), dump, StringComparison.OrdinalIgnoreCase));

        using var again = await _client.PostWithSessionAsync("/profile/2fa/setup", token, new { currentPassword = user.Password });
        await again.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.TwoFactorAlreadyEnabled);
        using var enableAgain = await _client.PostWithSessionAsync("/profile/2fa/enable", token, new { code = app.Code() });
        await enableAgain.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.TwoFactorAlreadyEnabled);
    }

    [Fact]
    public async Task Enabling_without_a_setup_is_a_409_and_turning_off_what_is_off_too()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var enable = await _client.PostWithSessionAsync("/profile/2fa/enable", token, new { code = "123456" });
        await enable.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.TwoFactorSetupRequired);
        using var disable = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = "123456" });
        await disable.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.TwoFactorNotEnabled);
        using var regenerate = await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", token, new { currentPassword = user.Password, code = "123456" });
        await regenerate.AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.TwoFactorNotEnabled);
    }

    [Fact]
    public async Task With_two_factor_on_a_right_password_alone_is_a_401_two_factor_required_and_no_session()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, _) = await _client.EnableTwoFactorAsync(Factory, token, user);

        using var passwordOnly = await _client.PostLoginAsync(user.Email, user.Password);
        await passwordOnly.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorRequired);
        Assert.Null(ApiClient.SessionTokenFrom(passwordOnly));

        // A wrong password is the same answer as ever, code or no code: nothing tells whether the account has a second factor.
        using var wrongPassword = await _client.PostLoginAsync(user.Email, "not the password");
        await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredentials);
        using var wrongPasswordRightCode = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = JsonContent.Create(new { email = user.Email, password = "not the password", twoFactorCode = app.Code() }),
        });
        await wrongPasswordRightCode.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredentials);

        using var withCode = await _client.LoginWithSecondFactorAsync(user, code: app.Code());
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
        Assert.True((await withCode.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("twoFactorEnabled").GetBoolean());
        await _client.AssertSessionAliveAsync(ApiClient.SessionTokenFrom(withCode)!);
    }

    [Fact]
    public async Task A_code_is_accepted_once_and_never_for_a_step_at_or_before_the_last_one_used()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, _) = await _client.EnableTwoFactorAsync(Factory, token, user);

        var code = app.Code();
        using var first = await _client.LoginWithSecondFactorAsync(user, code: code);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var replay = await _client.LoginWithSecondFactorAsync(user, code: code);
        await replay.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        Assert.Null(ApiClient.SessionTokenFrom(replay));

        // Still within the skew a step later, but that step was used: no replay there either.
        app.NextStep();
        using var late = await _client.LoginWithSecondFactorAsync(user, code: code);
        await late.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        using var previous = await _client.LoginWithSecondFactorAsync(user, code: app.Code(TimeSpan.FromSeconds(-30)));
        await previous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);

        using var next = await _client.LoginWithSecondFactorAsync(user, code: app.Code());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task One_step_of_clock_skew_is_allowed_each_way_and_two_are_not()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, _) = await _client.EnableTwoFactorAsync(Factory, token, user);

        // A phone running a step behind: its code is the server's previous step's.
        app.NextStep();
        using var behind = await _client.LoginWithSecondFactorAsync(user, code: app.Code(TimeSpan.FromSeconds(-30)));
        Assert.Equal(HttpStatusCode.OK, behind.StatusCode);
        // A phone a step ahead.
        using var ahead = await _client.LoginWithSecondFactorAsync(user, code: app.Code(TimeSpan.FromSeconds(30)));
        Assert.Equal(HttpStatusCode.OK, ahead.StatusCode);

        app.NextStep();
        app.NextStep();
        app.NextStep();
        using var farBehind = await _client.LoginWithSecondFactorAsync(user, code: app.Code(TimeSpan.FromSeconds(-60)));
        await farBehind.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        using var farAhead = await _client.LoginWithSecondFactorAsync(user, code: app.Code(TimeSpan.FromSeconds(60)));
        await farAhead.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
    }

    [Fact]
    public async Task Of_parallel_logins_with_one_code_or_one_recovery_code_exactly_one_succeeds()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, recoveryCodes) = await _client.EnableTwoFactorAsync(Factory, token, user);

        // Four at once: under the five free attempts, so every one reaches the code check.
        var code = app.Code();
        var byCode = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _client.LoginWithSecondFactorAsync(user, code: code)));
        Assert.Equal(1, byCode.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(byCode.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));

        // The losers' failures still count (they were reserved after the winner's); forget them for the second round.
        await Factory.ExecuteSqlAsync("DELETE FROM login_throttle WHERE email_key = email_key(@Email)", new { user.Email });
        var byRecovery = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _client.LoginWithSecondFactorAsync(user, recoveryCode: recoveryCodes[0])));
        Assert.Equal(1, byRecovery.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(byRecovery.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(9, await Factory.ScalarSqlAsync<int>("SELECT count(*)::int FROM two_factor_recovery_codes WHERE user_id = @Id", new { user.Id }));
        foreach (var response in byCode.Concat(byRecovery))
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_recovery_code_logs_in_once_typed_in_any_case_with_or_without_dashes()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (_, codes) = await _client.EnableTwoFactorAsync(Factory, token, user);

        using var login = await _client.LoginWithSecondFactorAsync(user, recoveryCode: codes[3].ToUpperInvariant().Replace("-", " ", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using var again = await _client.LoginWithSecondFactorAsync(user, recoveryCode: codes[3]);
        await again.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        Assert.Equal(9, (await StatusAsync(ApiClient.SessionTokenFrom(login)!)).Left);

        using var wrong = await _client.LoginWithSecondFactorAsync(user, recoveryCode: "aaaa-bbbb-cccc-dddd");
        await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
    }

    [Fact]
    public async Task Wrong_codes_count_against_the_account_like_wrong_passwords_and_only_full_success_clears_them()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, _) = await _client.EnableTwoFactorAsync(Factory, token, user);

        // Four failures of the five free attempts: a missing code counts like a wrong one.
        using (var missing = await _client.PostLoginAsync(user.Email, user.Password))
        {
            await missing.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorRequired);
        }
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await _client.LoginWithSecondFactorAsync(user, code: "000000");
            await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        }
        Assert.Equal(4, await FailedCountAsync(user));

        using var right = await _client.LoginWithSecondFactorAsync(user, code: app.Code());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(0, await FailedCountAsync(user));

        // Five wrong codes lock the account: then even the right code waits.
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await _client.LoginWithSecondFactorAsync(user, code: "000000");
            await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        }
        // The next step's code (within the skew, and unused) without moving the clock past the 15-second lock.
        using var locked = await _client.LoginWithSecondFactorAsync(user, code: app.Code(TimeSpan.FromSeconds(30)));
        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests, ProblemCodes.AccountLocked);
        Assert.NotNull(locked.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_trusted_browser_never_skips_the_second_factor()
    {
        var user = await Factory.CreateUserAsync();
        using var first = await _client.PostLoginAsync(user.Email, user.Password);
        var device = ApiClient.DeviceTokenFrom(first)!;
        var token = ApiClient.SessionTokenFrom(first)!;
        var (app, _) = await _client.EnableTwoFactorAsync(Factory, token, user);

        using var passwordOnly = await _client.LoginWithSecondFactorAsync(user, deviceCookie: device);
        await passwordOnly.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorRequired);
        Assert.Null(ApiClient.SessionTokenFrom(passwordOnly));
        // The browser's own budget counted it, as it counts its wrong passwords.
        Assert.Equal(1, await Factory.ScalarSqlAsync<int>("SELECT failed_count FROM login_devices WHERE user_id = @Id", new { user.Id }));

        using var withCode = await _client.LoginWithSecondFactorAsync(user, code: app.Code(), deviceCookie: device);
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
    }

    [Fact]
    public async Task Enabling_disabling_and_new_recovery_codes_each_end_every_other_session_of_the_user()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var other = await _client.LoginAsync(user);
        var stranger = await Factory.CreateUserAsync();
        var strangerToken = await _client.LoginAsync(stranger);

        var (app, _) = await _client.EnableTwoFactorAsync(Factory, token, user);
        await _client.AssertSessionDeadAsync(other);
        await _client.AssertSessionAliveAsync(token);

        using (var login = await _client.LoginWithSecondFactorAsync(user, code: app.Code()))
        {
            other = ApiClient.SessionTokenFrom(login)!;
        }
        app.NextStep();
        using (var regenerate = await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", token, new { currentPassword = user.Password, code = app.Code() }))
        {
            Assert.Equal(HttpStatusCode.OK, regenerate.StatusCode);
        }
        await _client.AssertSessionDeadAsync(other);
        await _client.AssertSessionAliveAsync(token);

        app.NextStep();
        using (var login = await _client.LoginWithSecondFactorAsync(user, code: app.Code()))
        {
            other = ApiClient.SessionTokenFrom(login)!;
        }
        app.NextStep();
        using (var disable = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = app.Code() }))
        {
            Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);
        }
        await _client.AssertSessionDeadAsync(other);
        await _client.AssertSessionAliveAsync(token);
        await _client.AssertSessionAliveAsync(strangerToken);
    }

    [Fact]
    public async Task New_recovery_codes_replace_the_old_set_and_need_the_password_and_a_code()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, oldCodes) = await _client.EnableTwoFactorAsync(Factory, token, user);

        using var wrongPassword = await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", token, new { currentPassword = "not it", code = app.Code() });
        await wrongPassword.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.CurrentPasswordWrong);
        using var wrongCode = await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", token, new { currentPassword = user.Password, code = "000000" });
        var problem = await wrongCode.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.TwoFactorInvalid);
        Assert.True(problem.GetProperty("errors").TryGetProperty("code", out _));

        // A recovery code serves as the code, and is used up doing so.
        using var regenerate = await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", token, new { currentPassword = user.Password, code = oldCodes[0] });
        Assert.Equal(HttpStatusCode.OK, regenerate.StatusCode);
        var newCodes = (await regenerate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, newCodes.Count);
        Assert.Empty(newCodes.Intersect(oldCodes));

        using var old = await _client.LoginWithSecondFactorAsync(user, recoveryCode: oldCodes[1]);
        await old.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        using var fresh = await _client.LoginWithSecondFactorAsync(user, recoveryCode: newCodes[1]);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Turning_it_off_needs_the_password_and_a_code_and_then_the_password_alone_logs_in()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (_, codes) = await _client.EnableTwoFactorAsync(Factory, token, user);

        using var noCode = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = "" });
        await noCode.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        using var wrongPassword = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = "not it", code = codes[0] });
        await wrongPassword.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.CurrentPasswordWrong);

        using var disable = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = codes[0] });
        Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);
        Assert.Equal((false, false, 0), await StatusAsync(token));
        Assert.Equal(0, await Factory.ScalarSqlAsync<int>("SELECT count(*)::int FROM two_factor_recovery_codes WHERE user_id = @Id", new { user.Id }));

        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.False((await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("twoFactorEnabled").GetBoolean());
    }

    [Fact]
    public async Task Wrong_codes_on_the_profile_count_against_the_same_budget_as_login()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, _) = await _client.EnableTwoFactorAsync(Factory, token, user);

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = "000000" });
            await wrong.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.TwoFactorInvalid);
        }
        using var locked = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = app.Code() });
        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests, ProblemCodes.AccountLocked);
        using var loginLocked = await _client.LoginWithSecondFactorAsync(user, code: app.Code());
        await loginLocked.AssertProblemAsync(HttpStatusCode.TooManyRequests, ProblemCodes.AccountLocked);
        // The session itself is fine: nothing here answered 401.
        await _client.AssertSessionAliveAsync(token);
    }

    [Fact]
    public async Task An_admin_resets_a_users_second_factor_which_logs_them_out_everywhere()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        await _client.EnableTwoFactorAsync(Factory, token, user);
        var admin = await Factory.CreateUserAsync(Roles.Admin);
        var adminToken = await _client.LoginAsync(admin);

        using var list = await _client.GetWithSessionAsync($"/admin/users?search={Uri.EscapeDataString(user.Email)}", adminToken);
        Assert.True((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items")[0].GetProperty("twoFactorEnabled").GetBoolean());

        using var notAdmin = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/2fa", $"{ApiClient.CookieName}={token}");
        await notAdmin.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.ForbiddenRole);
        using var anonymous = await _client.DeleteAsync($"/admin/users/{user.Id}/2fa");
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.SessionRequired);
        using var unknown = await _client.SendWithCookieAsync(HttpMethod.Delete, "/admin/users/999999999/2fa", $"{ApiClient.CookieName}={adminToken}");
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, ProblemCodes.UserNotFound);

        using var reset = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/2fa", $"{ApiClient.CookieName}={adminToken}");
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        await _client.AssertSessionDeadAsync(token);
        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(0, await Factory.ScalarSqlAsync<int>("SELECT count(*)::int FROM two_factor WHERE user_id = @Id", new { user.Id }));

        using var patch = await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", $"{ApiClient.CookieName}={adminToken}", JsonContent.Create(new { name = "Renamed" }));
        Assert.False((await patch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("twoFactorEnabled").GetBoolean());
        using var again = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/2fa", $"{ApiClient.CookieName}={adminToken}");
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        await _client.AssertSessionAliveAsync(ApiClient.SessionTokenFrom(login)!);
    }

    [Fact]
    public async Task A_login_whose_password_was_checked_before_two_factor_was_turned_on_gets_no_session()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var hash = await Factory.ScalarSqlAsync<string>("SELECT password_hash FROM users WHERE id = @Id", new { user.Id });
        await _client.EnableTwoFactorAsync(Factory, token, user);

        var sessions = Factory.Services.GetRequiredService<SessionStore>();
        Assert.Null(await sessions.CreateAsync(user.Id, false, null, null, whilePasswordHash: hash, secondFactorChecked: false));
        Assert.NotNull(await sessions.CreateAsync(user.Id, false, null, null, whilePasswordHash: hash, secondFactorChecked: true));
    }

    [Fact]
    public async Task A_key_the_key_ring_cannot_decrypt_refuses_codes_with_a_401_not_a_500_and_says_why_in_the_log()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var (app, codes) = await _client.EnableTwoFactorAsync(Factory, token, user);

        foreach (var garbage in new[] { "bm90IGEga2V5", "not base64 at all!" })
        {
            await Factory.ExecuteSqlAsync("UPDATE two_factor SET key_protected = @garbage WHERE user_id = @Id", new { garbage, user.Id });
            using var login = await _client.LoginWithSecondFactorAsync(user, code: app.Code());
            await login.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        }
        Assert.Contains(Factory.Logs, line => line.Contains("cannot be decrypted", StringComparison.Ordinal));
        // Recovery codes do not depend on the key: the user can still get in, and then an admin resets the factor.
        using var recovery = await _client.LoginWithSecondFactorAsync(user, recoveryCode: codes[0]);
        Assert.Equal(HttpStatusCode.OK, recovery.StatusCode);
    }

    [Theory]
    [InlineData("""{"twoFactorCode":"123456","twoFactorRecoveryCode":"aaaa-bbbb-cccc-dddd"}""", "twoFactorRecoveryCode")]
    [InlineData("""{"twoFactorCode":"1234567890123456789012345678901234567890123456789012345678901234567"}""", "twoFactorCode")]
    [InlineData("""{"twoFactorRecoveryCode":"1234567890123456789012345678901234567890123456789012345678901234567"}""", "twoFactorRecoveryCode")]
    public async Task A_malformed_second_factor_at_login_is_a_400_naming_the_field(string extra, string field)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, object>>(extra)!;
        body["email"] = "someone@example.com";
        body["password"] = "whatever it is";
        using var response = await _client.PostAsJsonAsync("/login", body);
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Codes_of_another_script_or_shape_are_wrong_codes_never_errors()
    {
        var user = await Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        await _client.EnableTwoFactorAsync(Factory, token, user);

        foreach (var code in new[] { "١٢٣٤٥٦", "12 34 56", "-12345", "1e5000", "𝟏𝟐𝟑𝟒𝟓𝟔", "0x1234", "ａａａａ-ｂｂｂｂ-ｃｃｃｃ-ｄｄｄｄ" })
        {
            using var login = await _client.LoginWithSecondFactorAsync(user, code: code);
            await login.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
            using var recovery = await _client.LoginWithSecondFactorAsync(user, recoveryCode: code);
            await recovery.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
            // Each was a counted failure; forgetting them keeps the lock from answering in their place.
            await Factory.ExecuteSqlAsync("DELETE FROM login_throttle WHERE email_key = email_key(@Email)", new { user.Email });
        }
    }

    private async Task<(bool Enabled, bool Pending, int Left)> StatusAsync(string token)
    {
        using var response = await _client.GetWithSessionAsync("/profile/2fa", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("enabled").GetBoolean(), body.GetProperty("setupPending").GetBoolean(), body.GetProperty("recoveryCodesLeft").GetInt32());
    }

    private async Task<bool> TwoFactorEnabledOnProfileAsync(string token)
    {
        using var response = await _client.GetWithSessionAsync("/profile", token);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("twoFactorEnabled").GetBoolean();
    }

    private Task<int> FailedCountAsync(TestUser user) =>
        Factory.ScalarSqlAsync<int>("SELECT coalesce((SELECT failed_count FROM login_throttle WHERE email_key = email_key(@Email)), 0)", new { user.Email });
}
