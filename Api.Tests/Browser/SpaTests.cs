using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Api.Audit;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Microsoft.Playwright;

namespace Api.Tests.Browser;

[Collection(BrowserTestGroup.Name)]
[Trait("Category", "Browser")]
public sealed class SpaTests(BrowserFixture browser) : IAsyncLifetime
{
    private IBrowserContext? _context;
    private IPage? _page;
    private readonly HttpClient _api = new() { BaseAddress = new Uri(browser.ApiUrl) };

    private IPage Page => _page ?? throw new InvalidOperationException("No page.");

    /// <summary>The sentence of the newest event in the dashboard's "Recent security activity".</summary>
    private ILocator LatestActivity => Page.Locator("#activity-rows tr").First.Locator("td").Nth(1);

    public async Task InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync();
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
        _api.Dispose();
    }

    [Fact]
    public async Task A_user_logs_in_sees_the_dashboard_stays_logged_in_after_reload_and_no_script_can_read_the_cookie()
    {
        var user = await browser.Api.CreateUserAsync();
        await Page.GotoAsync(browser.SpaUrl);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(Page, "login");

        await LogInAsync(user);

        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#profile-email")).ToHaveTextAsync(user.Email);
        await Assertions.Expect(Page.Locator("#visits")).ToHaveTextAsync("1");
        await Assertions.Expect(Page.Locator("#admin-link")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotAsync(Page, "dashboard");

        await Page.ReloadAsync();
        await Assertions.Expect(Page.Locator("#visits")).ToHaveTextAsync("2");

        var visibleToScripts = await Page.EvaluateAsync<string>("document.cookie");
        Assert.DoesNotContain("__Host-sid", visibleToScripts, StringComparison.Ordinal);
        var cookie = Assert.Single(await _context!.CookiesAsync(), c => c.Name == "__Host-sid");
        Assert.True(cookie.HttpOnly);
        Assert.True(cookie.Secure);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
    }

    [Fact]
    public async Task An_admin_sees_the_user_list()
    {
        var admin = await browser.Api.CreateUserAsync("admin");
        var other = await browser.Api.CreateUserAsync();
        await Page.GotoAsync(browser.SpaUrl);
        await LogInAsync(admin);

        await Page.Locator("#admin-link").ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#user-rows")).ToContainTextAsync(other.Email);
        await Assertions.Expect(Page.Locator("#user-rows")).ToContainTextAsync(admin.Email);
        await BrowserFixture.ScreenshotAsync(Page, "admin");
    }

    [Fact]
    public async Task A_user_revokes_another_session_from_the_sessions_page()
    {
        var user = await browser.Api.CreateUserAsync();
        var otherDevice = await _api.LoginAsync(user);
        await Page.GotoAsync(browser.SpaUrl);
        await LogInAsync(user);

        await Page.GetByRole(AriaRole.Link, new() { Name = "My sessions" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#session-rows tr")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotAsync(Page, "sessions");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();

        await Assertions.Expect(Page.Locator("#session-rows tr")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator("#session-rows")).ToContainTextAsync("this device");
        await _api.AssertSessionDeadAsync(otherDevice);
    }

    [Fact]
    public async Task Logging_out_shows_the_login_form_and_ends_the_session()
    {
        var user = await browser.Api.CreateUserAsync();
        await Page.GotoAsync(browser.SpaUrl);
        await LogInAsync(user);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        var token = (await _context!.CookiesAsync()).Single(c => c.Name == "__Host-sid").Value;

        await Page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await Page.ReloadAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await _api.AssertSessionDeadAsync(token);
    }

    [Fact]
    public async Task A_failed_login_shows_why_validation_errors_appear_next_to_fields_and_a_lock_says_how_long_to_wait()
    {
        var user = await browser.Api.CreateUserAsync();
        await Page.GotoAsync(browser.SpaUrl);

        await FillLoginAsync("not-an-email", "");
        await Assertions.Expect(Page.Locator(".field-error[data-for=email]")).Not.ToBeEmptyAsync();
        await Assertions.Expect(Page.Locator(".field-error[data-for=password]")).Not.ToBeEmptyAsync();

        await FillLoginAsync(user.Email, "wrong password");
        await Assertions.Expect(Page.Locator("#login-error")).ToHaveTextAsync("Invalid credentials: The email or password is wrong.");
        await BrowserFixture.ScreenshotAsync(Page, "login-failed");

        for (var i = 0; i < 4; i++)
        {
            await FillLoginAsync(user.Email, "wrong password");
        }
        await FillLoginAsync(user.Email, user.Password);
        await Assertions.Expect(Page.Locator("#login-error")).ToHaveTextAsync("Too many attempts: try again in 15 seconds.");
    }

    [Fact]
    public async Task A_browser_that_logged_in_before_logs_in_again_while_an_attacker_keeps_the_account_locked()
    {
        var user = await browser.Api.CreateUserAsync();
        await Page.GotoAsync(browser.SpaUrl);
        await LogInAsync(user);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();

        for (var i = 0; i < 5; i++)
        {
            using var guess = await _api.PostLoginAsync(user.Email, "an attacker's guess");
            await guess.AssertProblemAsync(System.Net.HttpStatusCode.Unauthorized);
        }
        using (var attacker = await _api.PostLoginAsync(user.Email, user.Password))
        {
            await attacker.AssertProblemAsync(System.Net.HttpStatusCode.TooManyRequests);
        }

        await LogInAsync(user);
        await Assertions.Expect(Page.Locator("#profile-email")).ToHaveTextAsync(user.Email);
    }

    [Fact]
    public async Task A_link_cannot_point_the_spa_at_an_api_on_another_host()
    {
        var user = await browser.Api.CreateUserAsync();
        var elsewhere = browser.ApiUrl.Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        var hosts = new List<string>();
        Page.Request += (_, request) =>
        {
            lock (hosts)
            {
                hosts.Add(new Uri(request.Url).Host);
            }
        };

        await Page.GotoAsync(browser.SpaUrl.Split('?')[0] + "?api=" + Uri.EscapeDataString(elsewhere));
        await FillLoginAsync(user.Email, user.Password);

        Assert.Equal("http://localhost:5000", await Page.EvaluateAsync<string>("async () => (await import('./api.js')).apiBase"));
        lock (hosts)
        {
            Assert.DoesNotContain("127.0.0.1", hosts);
        }
    }

    [Fact]
    public async Task A_cross_site_page_can_neither_log_the_user_out_nor_create_an_admin()
    {
        var admin = await browser.Api.CreateUserAsync("admin");
        await Page.GotoAsync(browser.SpaUrl);
        await LogInAsync(admin);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        var token = (await _context!.CookiesAsync()).Single(c => c.Name == "__Host-sid").Value;

        var attack = await _context.NewPageAsync();
        var sent = new List<IRequest>();
        attack.Request += (_, request) =>
        {
            if (request.Url.StartsWith(browser.ApiUrl, StringComparison.Ordinal) && request.Method == "POST")
            {
                lock (sent)
                {
                    sent.Add(request);
                }
            }
        };
        await attack.GotoAsync(browser.AttackerUrl);
        await Assertions.Expect(attack.Locator("body[data-done=true]")).ToBeAttachedAsync(new() { Timeout = 15_000 });
        await BrowserFixture.ScreenshotAsync(attack, "attacker");

        // Six attempts: four fetches (one needs a preflight, which fails, so it is never sent) and two form posts.
        Assert.True(sent.Count >= 5, $"only {sent.Count} attack requests seen");
        foreach (var request in sent)
        {
            var headers = await request.AllHeadersAsync();
            var response = await request.ResponseAsync();
            Assert.False(headers.TryGetValue("cookie", out var cookie) && cookie.Contains("__Host-sid", StringComparison.Ordinal), $"{request.Url} carried the session cookie");
            Assert.True(response is null || response.Status == 403, $"{request.Url} answered {response?.Status}");
        }
        await _api.AssertSessionAliveAsync(token);
        Assert.Equal(0, await browser.Api.ScalarSqlAsync<int>("SELECT count(*) FROM users WHERE email LIKE '%attacker@example.com'"));
    }

    [Fact]
    public async Task Swagger_ui_logs_in_and_then_calls_the_profile()
    {
        var user = await browser.Api.CreateUserAsync();
        await Page.GotoAsync(browser.ApiUrl + "/swagger");

        var login = Page.Locator("#operations-Auth-Login");
        await login.ClickAsync();
        await login.GetByRole(AriaRole.Button, new() { Name = "Try it out" }).ClickAsync();
        await login.Locator("textarea").FillAsync($$"""{ "email": "{{user.Email}}", "password": "{{user.Password}}", "rememberMe": false }""");
        await login.GetByRole(AriaRole.Button, new() { Name = "Execute" }).ClickAsync();
        await Assertions.Expect(login.Locator(".live-responses-table tbody .response-col_status")).ToHaveTextAsync("200");

        var profile = Page.Locator("#operations-Profile-GetProfile");
        await profile.ClickAsync();
        await profile.GetByRole(AriaRole.Button, new() { Name = "Try it out" }).ClickAsync();
        await profile.GetByRole(AriaRole.Button, new() { Name = "Execute" }).ClickAsync();
        await Assertions.Expect(profile.Locator(".live-responses-table tbody .response-col_status")).ToHaveTextAsync("200");
        await Assertions.Expect(profile.Locator(".live-responses-table tbody .response-col_description")).ToContainTextAsync(user.Email);
        await BrowserFixture.ScreenshotAsync(Page, "swagger");
    }

    [Fact]
    public async Task A_user_resets_a_forgotten_password_from_the_mailed_link_and_logs_in_with_the_new_one()
    {
        var user = await browser.Api.CreateUserAsync();
        await Page.GotoAsync(browser.SpaUrl);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await Page.GetByLabel("Email").FillAsync(user.Email);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Mail me a reset link" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#forgot-done")).ToContainTextAsync("on its way");
        await BrowserFixture.ScreenshotAsync(Page, "forgot-password");
        await Page.GotoAsync(await MailedLinkAsync(user.Email, 1));
        await Page.GetByLabel("New password").FillAsync("reset in the browser");
        await BrowserFixture.ScreenshotAsync(Page, "reset-password");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Set the password" }).ClickAsync();

        await Assertions.Expect(Page.Locator("#banner")).ToContainTextAsync("Your password is changed");
        await LogInAsync(user with { Password = "reset in the browser" });
        await Assertions.Expect(Page.Locator("#profile-email")).ToHaveTextAsync(user.Email);
    }

    [Fact]
    public async Task A_new_user_asks_for_the_verification_link_again_and_confirms_the_address_from_it()
    {
        var email = $"verify-{Guid.NewGuid():N}@example.com";
        using (await _api.PostAsJsonAsync("/register", new { email, name = "Verifier", password = "a good password" }))
        {
        }
        await MailedLinkAsync(email, 1);
        // Past the per-account interval, so the second request is answered with a mail.
        browser.Api.Clock.Advance(TimeSpan.FromMinutes(3));
        await Page.GotoAsync(browser.SpaUrl);
        await LogInAsync(new TestUser(0, email, "a good password", "user"));
        await Assertions.Expect(Page.Locator("#verify-notice")).ToBeVisibleAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Send the verification link again" }).ClickAsync();
        await Page.GotoAsync(await MailedLinkAsync(email, 2));

        await Assertions.Expect(Page.Locator("#verify-result")).ToHaveTextAsync("Your email address is confirmed.");
        await BrowserFixture.ScreenshotAsync(Page, "email-verified");
        await Page.GotoAsync(browser.SpaUrl + "#/dashboard");
        await Assertions.Expect(Page.Locator("#profile-email")).ToHaveTextAsync(email);
        await Assertions.Expect(Page.Locator("#verify-notice")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_user_sets_up_two_factor_from_the_qr_code_logs_in_with_a_code_and_with_a_recovery_code_regenerates_the_codes_and_turns_it_off()
    {
        var user = await browser.Api.CreateUserAsync();
        var cspViolations = CollectContentSecurityPolicyViolations();
        await Page.GotoAsync(browser.SpaUrl);
        await LogInAsync(user);
        var status = Page.Locator("#two-factor-status");
        await Assertions.Expect(status).ToHaveTextAsync("Off: logging in needs only your password.");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Set up two-factor authentication" }).ClickAsync();
        await Page.GetByLabel("Current password").FillAsync(user.Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        var shownKey = await Page.Locator("#two-factor-key").InnerTextAsync();
        Assert.Matches("^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$", shownKey);
        var key = shownKey.Replace(" ", "", StringComparison.Ordinal);
        var uri = await Page.Locator("#two-factor-uri").InnerTextAsync();
        Assert.StartsWith("otpauth://totp/", uri, StringComparison.Ordinal);
        Assert.Contains("secret=" + key, uri, StringComparison.Ordinal);
        Assert.Equal(uri, await ScannedQrCodeAsync("#two-factor-qr"));
        await BrowserFixture.ScreenshotAsync(Page, "two-factor-setup");

        await Page.GetByLabel("Code from the app").FillAsync(AuthenticatorCode(key));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();

        await Assertions.Expect(status).ToHaveTextAsync("On: logging in asks for a code from your authenticator app. 10 recovery codes left.");
        await Assertions.Expect(Page.Locator("#two-factor-message")).ToHaveTextAsync("Two-factor authentication is on. Every other session of yours was logged out.");
        await Assertions.Expect(LatestActivity).ToHaveTextAsync("Two-factor authentication turned on");
        await Assertions.Expect(Page.Locator("#recovery-codes-note")).ToContainTextAsync("This is the only time they are shown.");
        var recoveryCodes = await Page.Locator("#recovery-codes li").AllInnerTextsAsync();
        Assert.Equal(10, recoveryCodes.Distinct().Count());
        await BrowserFixture.ScreenshotAsync(Page, "two-factor-recovery-codes");
        await Page.GetByRole(AriaRole.Button, new() { Name = "I have stored them" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#recovery-codes")).ToBeHiddenAsync();

        // The code that turned it on is spent: its time step is used up.
        await LogOutAsync();
        await FillLoginAsync(user.Email, user.Password);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Two-factor authentication" })).ToBeVisibleAsync();
        await Page.GetByLabel("Authenticator code").FillAsync(AuthenticatorCode(key));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#second-factor-error")).ToHaveTextAsync(
            "Invalid second factor: The code is wrong, expired or was already used. Wait for the next code from your authenticator app, or use a recovery code.");
        await BrowserFixture.ScreenshotAsync(Page, "two-factor-login-code-refused");
        WaitForTheNextCode();
        await Page.GetByLabel("Authenticator code").FillAsync(AuthenticatorCode(key));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Assertions.Expect(status).ToHaveTextAsync("On: logging in asks for a code from your authenticator app. 10 recovery codes left.");

        await LogOutAsync();
        await LogInWithRecoveryCodeAsync(user, recoveryCodes[0]);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Assertions.Expect(status).ToHaveTextAsync("On: logging in asks for a code from your authenticator app. 9 recovery codes left.");
        await Assertions.Expect(LatestActivity).ToHaveTextAsync("Signed in (with a recovery code)");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Regenerate recovery codes" }).ClickAsync();
        await Page.GetByLabel("Current password").FillAsync(user.Password);
        await Page.GetByLabel("Code from your app, or a recovery code").FillAsync(recoveryCodes[1]);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Regenerate the codes" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#two-factor-message")).ToHaveTextAsync("New recovery codes: the old ones no longer work. Every other session of yours was logged out.");
        await Assertions.Expect(LatestActivity).ToHaveTextAsync("Recovery codes regenerated");
        await Assertions.Expect(status).ToHaveTextAsync("On: logging in asks for a code from your authenticator app. 10 recovery codes left.");
        var newCodes = await Page.Locator("#recovery-codes li").AllInnerTextsAsync();
        Assert.Equal(10, newCodes.Count);
        Assert.Empty(newCodes.Intersect(recoveryCodes));
        await Page.GetByRole(AriaRole.Button, new() { Name = "I have stored them" }).ClickAsync();

        await LogOutAsync();
        await LogInWithRecoveryCodeAsync(user, recoveryCodes[2]);
        await Assertions.Expect(Page.Locator("#second-factor-error")).ToContainTextAsync("Invalid second factor");
        await Page.GetByLabel("Recovery code").FillAsync(newCodes[0]);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("On: logging in asks for a code from your authenticator app. 9 recovery codes left.");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Turn off" }).ClickAsync();
        await Page.GetByLabel("Current password").FillAsync(user.Password);
        await Page.GetByLabel("Code from your app, or a recovery code").FillAsync(newCodes[1]);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Turn off two-factor authentication" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#two-factor-message")).ToHaveTextAsync("Two-factor authentication is off. Every other session of yours was logged out.");
        await Assertions.Expect(LatestActivity).ToHaveTextAsync("Two-factor authentication turned off");
        await Assertions.Expect(status).ToHaveTextAsync("Off: logging in needs only your password.");
        await LogOutAsync();
        await LogInAsync(user);
        lock (cspViolations)
        {
            Assert.Empty(cspViolations);
        }
    }

    [Fact]
    public async Task Recent_security_activity_shows_a_failed_sign_in_and_the_sign_in_after_it_newest_first_and_shows_more_a_page_at_a_time()
    {
        var user = await browser.Api.CreateUserAsync();
        var cspViolations = CollectContentSecurityPolicyViolations();
        // Twelve older events, more than the SPA's page of ten. Each login forgets the failure before it, so none locks.
        for (var i = 0; i < 6; i++)
        {
            using (var failed = await _api.PostLoginAsync(user.Email, "wrong password"))
            {
                await failed.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            }
            await _api.LoginAsync(user);
        }
        await Page.GotoAsync(browser.SpaUrl);
        await FillLoginAsync(user.Email, "wrong password");
        await Assertions.Expect(Page.Locator("#login-error")).ToContainTextAsync("Invalid credentials");

        await LogInAsync(user);

        var activity = Page.Locator("#activity");
        await Assertions.Expect(activity.GetByRole(AriaRole.Heading, new() { Name = "Recent security activity" })).ToBeVisibleAsync();
        var rows = Page.Locator("#activity-rows tr");
        await Assertions.Expect(rows).ToHaveCountAsync(10);
        await AssertActivityRowAsync(rows.Nth(0), "Signed in", fromThisBrowser: true);
        await AssertActivityRowAsync(rows.Nth(1), "Failed sign-in: wrong password", fromThisBrowser: true);
        await AssertActivityRowAsync(rows.Nth(2), "Signed in", fromThisBrowser: false);
        await AssertActivityRowAsync(rows.Nth(3), "Failed sign-in: wrong password", fromThisBrowser: false);
        var newest = DateTime.Parse(await rows.Nth(0).Locator("time").GetAttributeAsync("datetime") ?? "", null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.Equal(DateTimeKind.Utc, newest.Kind);
        Assert.InRange(newest, browser.Api.Clock.GetUtcNow().UtcDateTime.AddMinutes(-1), browser.Api.Clock.GetUtcNow().UtcDateTime);
        await Assertions.Expect(rows.Nth(0).Locator("td").Nth(0)).ToHaveTextAsync(new Regex(@"\d"));
        var showMore = activity.GetByRole(AriaRole.Button, new() { Name = "Show more" });
        await Assertions.Expect(showMore).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(Page, "activity");

        await showMore.ClickAsync();

        await Assertions.Expect(rows).ToHaveCountAsync(14);
        await Assertions.Expect(showMore).ToBeHiddenAsync();
        await AssertActivityRowAsync(rows.Nth(12), "Signed in", fromThisBrowser: false);
        await AssertActivityRowAsync(rows.Nth(13), "Failed sign-in: wrong password", fromThisBrowser: false);
        lock (cspViolations)
        {
            Assert.Empty(cspViolations);
        }
    }

    [Fact]
    public async Task The_activity_list_has_a_sentence_for_every_event_type_the_api_records_and_a_generic_line_for_a_type_it_does_not_know()
    {
        await using var context = await browser.Browser.NewContextAsync(new() { Locale = "en-GB", TimezoneId = "Europe/Berlin" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(browser.SpaUrl);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();

        var described = await page.EvaluateAsync<JsonElement>("""
            async (types) => {
                const { describeEvent, describeBrowser, knownTypes } = await import('./activity.js');
                const user = 7, admin = 1;
                const event = (type, detail = {}, actorId = user) => describeEvent({
                    id: 1, at: '2026-01-02T10:00:00Z', type, userId: user, actorId, sessionId: null, ip: null, userAgent: null, detail });
                return {
                    knownTypes,
                    plain: Object.fromEntries(types.map((type) => [type, event(type)])),
                    samples: [
                        event('login_succeeded', { secondFactor: 'recovery_code' }),
                        event('login_succeeded', { secondFactor: 'totp' }),
                        event('login_failed', { reason: 'wrong_password' }),
                        event('login_failed', { reason: 'a_new_reason' }),
                        event('account_locked', { budget: 'account', until: '2026-01-02T11:03:00.0000000Z' }, null),
                        event('account_locked', { budget: 'device', until: '2026-01-03T11:03:00.0000000Z' }, null),
                        event('role_changed', { from: 'user', to: 'admin' }, admin),
                        event('user_disabled', {}, admin),
                        event('two_factor_disabled', { by: 'admin', sessionsEnded: '2' }, admin),
                        event('session_revoked', { by: 'user' }),
                        event('other_sessions_revoked', { count: '1' }),
                        event('a_type_from_the_future', { anything: 'x' }),
                        event('constructor'),
                    ],
                    browsers: [
                        'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
                        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
                        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
                        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
                        'curl/8.5.0',
                        null,
                    ].map(describeBrowser),
                };
            }
            """, AuditEventTypes.All);

        Assert.Equal(AuditEventTypes.All.Order(), described.GetProperty("knownTypes").EnumerateArray().Select(type => type.GetString()!).Order());
        foreach (var type in AuditEventTypes.All)
        {
            var sentence = described.GetProperty("plain").GetProperty(type).GetString();
            Assert.False(string.IsNullOrWhiteSpace(sentence) || sentence.StartsWith("Security event", StringComparison.Ordinal), $"{type}: {sentence}");
        }
        Assert.Equal(
            [
                "Signed in (with a recovery code)",
                "Signed in (with an authenticator code)",
                "Failed sign-in: wrong password",
                "Failed sign-in: a new reason",
                "Account locked until 12:03",
                "Sign-in from one of your browsers locked until 03/01/2026, 12:03",
                "An administrator changed your role from user to admin",
                "An administrator disabled your account",
                "An administrator turned off your two-factor authentication",
                "Ended a session",
                "Signed out all other sessions (1 session ended)",
                "Security event: a_type_from_the_future",
                "Security event: constructor",
            ],
            described.GetProperty("samples").EnumerateArray().Select(sentence => sentence.GetString()));
        Assert.Equal(
            ["Firefox on Windows", "Edge on Windows", "Safari on iOS", "Chrome on Android", "curl", ""],
            described.GetProperty("browsers").EnumerateArray().Select(name => name.GetString()));
    }

    /// <summary>
    /// One row of "Recent security activity": its sentence, and the address and browser of the request when it came from
    /// this browser; the API's test client sends no user agent.
    /// </summary>
    private static async Task AssertActivityRowAsync(ILocator row, string sentence, bool fromThisBrowser)
    {
        var cells = row.Locator("td");
        await Assertions.Expect(cells.Nth(1)).ToHaveTextAsync(sentence);
        await Assertions.Expect(cells.Nth(2)).ToHaveTextAsync(new Regex(@"^(127\.0\.0\.1|::1)$"));
        await Assertions.Expect(cells.Nth(3)).ToHaveTextAsync(fromThisBrowser ? "Chrome on Linux" : "");
    }

    /// <summary>The code an authenticator app shows now. "Now" is the API's clock, the fixture's <see cref="TestClock"/>.</summary>
    private string AuthenticatorCode(string sharedKey) =>
        new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(sharedKey)).ComputeTotp(browser.Api.Clock.GetUtcNow().UtcDateTime);

    /// <summary>
    /// Moves the API's clock to the start of the next 30-second step, as long as a user would wait for their app's next
    /// code: once a code is accepted its step is spent. The API runs on the test clock, so the test moves it, not sleeps.
    /// </summary>
    private void WaitForTheNextCode()
    {
        var now = browser.Api.Clock.GetUtcNow();
        var nextStep = DateTimeOffset.FromUnixTimeSeconds((now.ToUnixTimeSeconds() / 30 + 1) * 30);
        browser.Api.Clock.Advance(nextStep - now);
    }

    /// <summary>The text of the QR code drawn on the canvas, read from its pixels as a scanner reads them.</summary>
    private async Task<string> ScannedQrCodeAsync(string canvasSelector)
    {
        var image = await Page.EvalOnSelectorAsync<System.Text.Json.JsonElement>(canvasSelector, """
            canvas => ({
                width: canvas.width,
                height: canvas.height,
                rgba: Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data),
            })
            """);
        byte[] rgba = [.. image.GetProperty("rgba").EnumerateArray().Select(value => value.GetByte())];
        var pixels = new ZXing.RGBLuminanceSource(rgba, image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32(), ZXing.RGBLuminanceSource.BitmapFormat.RGBA32);
        var result = new ZXing.QrCode.QRCodeReader().decode(new ZXing.BinaryBitmap(new ZXing.Common.HybridBinarizer(pixels)));
        return result?.Text ?? throw new InvalidOperationException("The canvas holds no readable QR code.");
    }

    /// <summary>What the browser refuses under the SPA's Content-Security-Policy (see <see cref="BrowserFixture.SpaContentSecurityPolicy"/>).</summary>
    private List<string> CollectContentSecurityPolicyViolations()
    {
        var violations = new List<string>();
        Page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                lock (violations)
                {
                    violations.Add(message.Text);
                }
            }
        };
        return violations;
    }

    private async Task LogInWithRecoveryCodeAsync(TestUser user, string recoveryCode)
    {
        await FillLoginAsync(user.Email, user.Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use a recovery code instead" }).ClickAsync();
        await Page.GetByLabel("Recovery code").FillAsync(recoveryCode);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
    }

    private async Task LogOutAsync()
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
    }

    /// <summary>The link in the <paramref name="count"/>th mail to <paramref name="email"/>, once it has arrived.</summary>
    private async Task<string> MailedLinkAsync(string email, int count)
    {
        await MailTesting.EventuallyAsync(() => browser.Smtp.For(email).Count >= count, $"mail {count} to {email} arrives");
        return MailTesting.LinkIn(browser.Smtp.For(email)[count - 1]);
    }

    private async Task LogInAsync(TestUser user)
    {
        await FillLoginAsync(user.Email, user.Password);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
    }

    private async Task FillLoginAsync(string email, string password)
    {
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }
}
