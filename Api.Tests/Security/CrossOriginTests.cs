using System.Net;
using System.Net.Http.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Security;

public sealed class SpaOriginFixture : ApiFixture
{
    public const string SpaOrigin = "https://app.example.com";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Cors:AllowedOrigins:0"] = SpaOrigin,
        ["Cors:AllowedHeaders:0"] = "X-Requested-With",
    };
}

public sealed class CorsTests(SpaOriginFixture api) : IClassFixture<SpaOriginFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_allows_credentials_the_methods_and_content_type()
    {
        using var request = Preflight("/login", SpaOriginFixture.SpaOrigin, "POST");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(SpaOriginFixture.SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Contains("content-type", Header(response, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_may_ask_for_w3c_trace_context_headers()
    {
        // Browser telemetry (OpenTelemetry's fetch instrumentation and its kin) adds these to every call; a preflight
        // that refuses one fails the SPA's every request.
        using var request = Preflight("/login", SpaOriginFixture.SpaOrigin, "POST", "content-type,traceparent,tracestate,baggage");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(SpaOriginFixture.SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        var allowed = AllowedHeaders(response);
        Assert.Superset(new HashSet<string> { "content-type", "traceparent", "tracestate", "baggage" }, allowed);
    }

    [Fact]
    public async Task A_header_listed_in_the_settings_is_allowed_on_top_of_the_defaults()
    {
        using var request = Preflight("/login", SpaOriginFixture.SpaOrigin, "POST", "x-requested-with,traceparent");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Superset(new HashSet<string> { "x-requested-with", "traceparent", "content-type" }, AllowedHeaders(response));
    }

    [Fact]
    public async Task A_preflight_asking_for_a_header_that_is_not_allowed_does_not_get_it_allowed()
    {
        using var request = Preflight("/login", SpaOriginFixture.SpaOrigin, "POST", "content-type,x-not-allowed");

        using var response = await _client.SendAsync(request);

        Assert.DoesNotContain("x-not-allowed", AllowedHeaders(response));
        Assert.DoesNotContain("*", AllowedHeaders(response));
    }

    [Fact]
    public async Task An_spa_may_read_location_and_retry_after()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/profile");
        request.Headers.Add("Origin", SpaOriginFixture.SpaOrigin);

        using var response = await _client.SendAsync(request);

        var exposed = Header(response, "Access-Control-Expose-Headers").Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("Location", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Retry-After", exposed, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_actual_request_from_an_allowed_origin_gets_its_origin_back_never_a_wildcard()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/profile");
        request.Headers.Add("Origin", SpaOriginFixture.SpaOrigin);
        request.Headers.Add("Cookie", $"__Host-sid={token}");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SpaOriginFixture.SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://app.example.com.evil.example")]
    [InlineData("http://app.example.com")]
    [InlineData("null")]
    public async Task Other_origins_get_no_cors_headers(string origin)
    {
        using var preflight = await _client.SendAsync(Preflight("/login", origin, "POST"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/profile");
        request.Headers.Add("Origin", origin);
        using var actual = await _client.SendAsync(request);

        foreach (var response in new[] { preflight, actual })
        {
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }
    }

    internal static HttpRequestMessage Preflight(string path, string origin, string method, string headers = "content-type")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    internal static HashSet<string> AllowedHeaders(HttpResponseMessage response) =>
        [.. Header(response, "Access-Control-Allow-Headers").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(header => header.ToLowerInvariant())];

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
}

public sealed class CrossOriginProtectionTests(SpaOriginFixture api) : IClassFixture<SpaOriginFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Theory]
    [InlineData("cross-site", "https://evil.example", false)]
    [InlineData("cross-site", null, false)]
    [InlineData("same-site", "https://sibling.example.com", false)]
    [InlineData("same-site", SpaOriginFixture.SpaOrigin, true)]
    [InlineData("cross-site", SpaOriginFixture.SpaOrigin, true)]
    [InlineData("same-origin", "https://localhost", true)]
    [InlineData("none", null, true)]
    [InlineData(null, "https://evil.example", false)]
    [InlineData(null, "null", false)]
    [InlineData(null, "https://localhost", true)]
    [InlineData(null, SpaOriginFixture.SpaOrigin, true)]
    [InlineData(null, null, true)]
    public async Task Unsafe_requests_pass_only_from_the_same_origin_an_allowed_origin_or_outside_a_browser(string? fetchSite, string? origin, bool allowed)
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/logout");
        request.Headers.Add("Cookie", $"__Host-sid={token}");
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await _client.SendAsync(request);

        if (allowed)
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            await _client.AssertSessionDeadAsync(token);
        }
        else
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal("Cross-origin request refused", problem.GetProperty("title").GetString());
            await _client.AssertSessionAliveAsync(token);
        }
    }

    [Theory]
    [InlineData("POST", "/login")]
    [InlineData("POST", "/register")]
    [InlineData("POST", "/logout")]
    [InlineData("PUT", "/profile")]
    [InlineData("POST", "/profile/password")]
    [InlineData("DELETE", "/sessions")]
    [InlineData("POST", "/admin/users")]
    [InlineData("PATCH", "/admin/users/1")]
    [InlineData("DELETE", "/admin/users/1/sessions")]
    public async Task Every_unsafe_endpoint_refuses_a_cross_site_request_before_doing_anything(string method, string path)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = JsonContent.Create(new { name = "Changed", email = "x@example.com", password = "whatever password" }),
        };
        request.Headers.Add("Cookie", $"__Host-sid={token}");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await _client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        await _client.AssertSessionAliveAsync(token);
    }

    [Fact]
    public async Task Safe_requests_are_never_refused_and_responses_vary_on_origin_and_fetch_site()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/profile");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await _client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var vary = string.Join(",", response.Headers.Vary);
        Assert.Contains("Origin", vary, StringComparison.Ordinal);
        Assert.Contains("Sec-Fetch-Site", vary, StringComparison.Ordinal);
    }
}
