using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Api.Tests.Infrastructure;
using Api.Tests.TwoFactor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Security;

public sealed class SecurityHeadersTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Theory]
    [InlineData("GET", "/profile")]
    [InlineData("POST", "/logout")]
    [InlineData("GET", "/nothing-here")]
    [InlineData("GET", "/swagger/v1/swagger.json")]
    [InlineData("POST", "/login")]
    public async Task Every_response_carries_the_hardening_headers(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swagger_ui_gets_a_policy_that_lets_it_run_and_api_responses_one_that_lets_nothing_run()
    {
        using var swagger = await _client.GetAsync("/swagger/index.html");
        using var api = await _client.GetAsync("/profile");

        Assert.Equal(HttpStatusCode.OK, swagger.StatusCode);
        Assert.DoesNotContain("default-src", Header(swagger, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", Header(api, "Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_that_set_a_cookie_or_answer_a_session_are_never_cached()
    {
        var user = await api.Factory.CreateUserAsync();
        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        var token = ApiClient.SessionTokenFrom(login)!;
        using var sessions = await _client.GetWithSessionAsync("/sessions", token);
        using var rejected = await _client.GetWithSessionAsync("/dashboard", "x");

        foreach (var response in new[] { login, sessions, rejected })
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : "";
}

public sealed class ProductionFixture : ApiFixture
{
    protected override string? Environment => "Production";
}

public sealed class UnhandledExceptionTests(ProductionFixture api) : IClassFixture<ProductionFixture>
{
    [Fact]
    public async Task An_unhandled_exception_outside_development_is_a_generic_500_problem_with_a_trace_id_and_no_details()
    {
        using var factory = api.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<IStartupFilter, ThrowingEndpointFilter>()));
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });

        using var response = await client.GetAsync("/test-only/throw");

        var problem = await response.AssertProblemAsync(HttpStatusCode.InternalServerError);
        Assert.True(problem.TryGetProperty("traceId", out _));
        var body = problem.ToString();
        Assert.DoesNotContain("secret-detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Https_responses_outside_development_carry_hsts()
    {
        // HSTS is never sent to localhost, which browsers would then pin to HTTPS for every local project.
        using var client = api.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://api.example.com") });

        using var response = await client.GetAsync("/profile");

        Assert.True(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Swagger_is_off_outside_development_unless_enabled()
    {
        using var client = api.Factory.CreateBareClient();

        using var response = await client.GetAsync("/swagger/v1/swagger.json");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    // Adds, after the app's own pipeline (so inside its exception handler), a path that fails like a bug would.
    private sealed class ThrowingEndpointFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Run(context => context.Request.Path == "/test-only/throw"
                ? throw new InvalidOperationException("secret-detail")
                : Task.CompletedTask);
        };
    }
}

/// <summary>Every category at Trace, Npgsql's SQL included, so secrets have every chance to leak.</summary>
public sealed class TraceLoggingFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Npgsql"] = "Trace",
    };
}

public sealed class LogRedactionTests(TraceLoggingFixture api) : IClassFixture<TraceLoggingFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Logs_of_a_whole_session_never_contain_a_password_a_session_or_device_token_or_a_token_hash()
    {
        var user = await api.Factory.CreateUserAsync(password: "log-canary-password-8f3a");
        api.Factory.Logs.Clear();

        using var failed = await _client.PostLoginAsync(user.Email, "wrong-canary-password-51c2");
        using var login = await _client.PostLoginAsync(user.Email, user.Password);
        var token = ApiClient.SessionTokenFrom(login)!;
        var device = ApiClient.DeviceTokenFrom(login)!;
        using var dashboard = await _client.GetWithSessionAsync("/dashboard", token);
        using var change = await _client.SendWithCookieAsync(HttpMethod.Post, "/profile/password", $"__Host-sid={token}",
            System.Net.Http.Json.JsonContent.Create(new { currentPassword = user.Password, newPassword = "new-canary-password-77d0" }));
        var rotated = ApiClient.SessionTokenFrom(change)!;
        using var logout = await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"__Host-sid={rotated}");

        var logs = string.Join("\n", api.Factory.Logs);
        // The capture must have seen the flow, or its silence proves nothing.
        Assert.Contains("/login", logs, StringComparison.Ordinal);
        Assert.Contains("/profile/password", logs, StringComparison.Ordinal);
        Assert.Contains("FROM sessions", logs, StringComparison.Ordinal);
        foreach (var sessionToken in new[] { token, rotated, device })
        {
            var hash = SHA256.HashData(Encoding.ASCII.GetBytes(sessionToken));
            foreach (var secret in new[] { sessionToken, Convert.ToHexString(hash), Convert.ToHexStringLower(hash), Convert.ToBase64String(hash) })
            {
                Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            }
        }
        foreach (var password in new[] { "log-canary-password-8f3a", "wrong-canary-password-51c2", "new-canary-password-77d0" })
        {
            Assert.DoesNotContain(password, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Logs_of_the_whole_two_factor_life_never_contain_a_key_a_code_or_a_recovery_code()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        api.Factory.Logs.Clear();

        var (app, codes) = await _client.EnableTwoFactorAsync(api.Factory, token, user);
        var used = new List<string>();
        foreach (var offset in new[] { 0, 30 })
        {
            var code = app.Code(TimeSpan.FromSeconds(offset));
            used.Add(code);
            using var login = await _client.LoginWithSecondFactorAsync(user, code: code);
        }
        using (var recovery = await _client.LoginWithSecondFactorAsync(user, recoveryCode: codes[0])) { }
        using (var wrong = await _client.LoginWithSecondFactorAsync(user, recoveryCode: codes[0])) { }
        app.NextStep();
        app.NextStep();
        var regenerateCode = app.Code();
        used.Add(regenerateCode);
        using var regenerate = await _client.PostWithSessionAsync("/profile/2fa/recovery-codes", token, new { currentPassword = user.Password, code = regenerateCode });
        var newCodes = (await regenerate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        using (var disable = await _client.PostWithSessionAsync("/profile/2fa/disable", token, new { currentPassword = user.Password, code = newCodes[0] })) { }

        var logs = string.Join("\n", api.Factory.Logs);
        // The capture must have seen the flow, or its silence proves nothing.
        Assert.Contains("/profile/2fa/enable", logs, StringComparison.Ordinal);
        Assert.Contains("/profile/2fa/disable", logs, StringComparison.Ordinal);
        Assert.Contains("FROM two_factor", logs, StringComparison.Ordinal);
        foreach (var secret in new[] { OtpNet.Base32Encoding.ToString(app.Key), Convert.ToBase64String(app.Key), Convert.ToHexString(app.Key) })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var code in codes.Concat(newCodes))
        {
            Assert.DoesNotContain(code, logs, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(code.Replace("-", "", StringComparison.Ordinal), logs, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var code in used)
        {
            // Six digits can occur inside a trace id or a duration by chance; a code never stands alone.
            Assert.DoesNotMatch($"(?<![0-9A-Fa-f.]){code}(?![0-9A-Fa-f])", logs);
        }
    }

    [Fact]
    public async Task Security_events_are_logged_with_the_user_and_reason_and_never_the_email_typed_for_an_unknown_account()
    {
        var user = await api.Factory.CreateUserAsync();
        api.Factory.Logs.Clear();
        const string typed = "hunter2-typed-into-the-email-field@example.com";

        using (await _client.PostLoginAsync(typed, "a password")) { }
        using (await _client.PostLoginAsync(user.Email, "not the password")) { }
        using (await _client.PostLoginAsync(user.Email, user.Password)) { }

        var logs = string.Join("\n", api.Factory.Logs);
        Assert.Contains("Login failed: user (null), by (null), session (null) reason=unknown_email", logs, StringComparison.Ordinal);
        Assert.Contains($"Login failed: user {user.Id}, by (null), session (null) reason=wrong_password", logs, StringComparison.Ordinal);
        Assert.Contains($"Login succeeded: user {user.Id}, by {user.Id}", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(user.Email, logs, StringComparison.OrdinalIgnoreCase);
    }
}
