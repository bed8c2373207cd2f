using System.Net;
using System.Text;
using Api.Tests.Infrastructure;

namespace Api.Tests.Security;

/// <summary>Every endpoint against every kind of bad input: always a 4xx problem, never a 500, never a hang.</summary>
public sealed class HostileInputTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    public static readonly (string Method, string Path)[] Endpoints =
    [
        ("POST", "/login"), ("POST", "/register"), ("POST", "/logout"),
        ("GET", "/dashboard"), ("GET", "/profile"), ("PUT", "/profile"), ("POST", "/profile/password"),
        ("GET", "/sessions"), ("DELETE", "/sessions"), ("DELETE", "/sessions/00000000-0000-0000-0000-000000000001"),
        ("GET", "/admin/users"), ("POST", "/admin/users"), ("PATCH", "/admin/users/1"), ("DELETE", "/admin/users/1/sessions"),
    ];

    public static TheoryData<string, string> Bodies => new()
    {
        { "malformed JSON", "{\"email\": " },
        { "not JSON at all", "<xml/>" },
        { "an array", "[1, 2, 3]" },
        { "a number", "42" },
        { "numbers for strings", """{"email": 1, "password": 2, "name": 3, "currentPassword": 4, "newPassword": 5, "role": 6}""" },
        { "nested objects", """{"email": {"$ne": null}, "password": {"a": [1]}, "name": {}}""" },
        { "an unknown field", """{"email": "a@example.com", "password": "long enough pw", "isAdmin": true}""" },
        { "deep nesting", new string('[', 5000) + new string(']', 5000) },
        { "a huge number", """{"disabled": 1e999999, "name": 123456789012345678901234567890}""" },
        { "NUL bytes", """{"email": "a\u0000@example.com", "password": "x\u0000y", "name": "n\u0000", "role": "user\u0000"}""" },
        { "SQL metacharacters", """{"email": "' OR 1=1; DROP TABLE users; --@example.com", "password": "' OR ''='", "name": "Robert'); DROP TABLE sessions;--", "role": "admin' --"}""" },
        { "a lone surrogate", """{"email": "\ud800@example.com", "password": "\udfff pw", "name": "\ud800"}""" },
        { "a 1 MB string", "{\"email\": \"" + new string('a', 1024 * 1024) + "@example.com\", \"password\": \"x\"}" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Every_endpoint_answers_hostile_bodies_with_a_4xx_problem(string kind, string body)
    {
        var admin = await api.Factory.CreateUserAsync("admin");

        foreach (var (method, path) in Endpoints)
        {
            // A fresh admin session per endpoint: /login and /logout end the session they carry.
            var token = await _client.LoginAsync(admin);
            foreach (var cookie in new[] { null, $"__Host-sid={token}" })
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await _client.SendWithCookieAsync(new HttpMethod(method), path, cookie, content);

                await AssertClientErrorOrSuccessAsync(response, $"{kind}: {method} {path} (cookie: {cookie is not null})");
            }
        }
    }

    [Fact]
    public async Task Invalid_utf8_in_a_body_is_a_400_problem()
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);
        byte[] invalid = [.. "{\"email\": \""u8, 0xC3, 0x28, 0xFF, .. "@example.com\", \"password\": \"x\", \"name\": \"\xff\"}"u8];

        foreach (var (method, path) in Endpoints.Where(e => e.Method != "GET" && e.Method != "DELETE" && e.Path != "/logout"))
        {
            using var content = new ByteArrayContent(invalid);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await _client.SendWithCookieAsync(new HttpMethod(method), path, $"__Host-sid={token}", content);

            await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_before_it_is_read()
    {
        var body = "{\"email\": \"" + new string('a', 20 * 1024) + "\"}";

        foreach (var (method, path) in Endpoints.Where(e => e.Method is "POST" or "PUT" or "PATCH"))
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await _client.SendWithCookieAsync(new HttpMethod(method), path, null, content);

            await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        }
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    public async Task Endpoints_with_a_body_accept_only_json(string contentType)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);

        foreach (var (method, path) in Endpoints.Where(e => e.Method is "POST" or "PUT" or "PATCH" && e.Path != "/logout"))
        {
            using var content = new StringContent("email=a%40example.com&password=x", Encoding.UTF8);
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            using var response = await _client.SendWithCookieAsync(new HttpMethod(method), path, $"__Host-sid={token}", content);

            await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        }
    }

    [Theory]
    [InlineData("GET", "/login")]
    [InlineData("PUT", "/login")]
    [InlineData("GET", "/logout")]
    [InlineData("DELETE", "/profile")]
    [InlineData("POST", "/dashboard")]
    [InlineData("PUT", "/admin/users")]
    public async Task Unsupported_methods_get_405_problem(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Theory]
    [InlineData("/nothing-here")]
    [InlineData("/admin/users/abc")]
    [InlineData("/admin/users/1/sessions/extra")]
    [InlineData("/login/../../etc/passwd")]
    public async Task Unknown_routes_get_404_problem(string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, path));

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Oversized_and_numerous_cookies_never_cause_a_500()
    {
        string[] cookieHeaders =
        [
            "__Host-sid=" + new string('a', 64 * 1024),
            string.Join("; ", Enumerable.Range(0, 2000).Select(i => $"c{i}={i}")),
            string.Join("; ", Enumerable.Range(0, 50).Select(_ => "__Host-sid=" + new string('A', 43))),
            "__Host-sid=\u00e9\u00e8; =; ;;; =x; y=",
        ];

        foreach (var cookie in cookieHeaders)
        {
            foreach (var (method, path) in Endpoints)
            {
                using var response = await _client.SendWithCookieAsync(new HttpMethod(method), path, cookie);
                await AssertClientErrorOrSuccessAsync(response, $"{method} {path} with a hostile cookie");
            }
        }
    }

    private static async Task AssertClientErrorOrSuccessAsync(HttpResponseMessage response, string what)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status < 500, $"{what}: {status} {body}");
        if (status >= 400)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}: {status} is not problem+json: {body}");
        }
    }
}
