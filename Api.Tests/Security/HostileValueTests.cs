using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Api.Tests.Infrastructure;

namespace Api.Tests.Security;

/// <summary>
/// Hostile values inside otherwise valid requests, so they get past the parser to the code that would break: every
/// string field of every body, and the query string, each with each value.
/// </summary>
public sealed class HostileValueTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    /// <summary>Each endpoint with a body, a valid body, and whether it needs an admin session.</summary>
    private static readonly (string Method, string Path, string Body, bool Session)[] Requests =
    [
        ("POST", "/login", """{"email":"someone@example.com","password":"a long enough password","rememberMe":false}""", false),
        ("POST", "/register", """{"email":"new-{id}@example.com","name":"New Person","password":"a long enough password"}""", false),
        ("PUT", "/profile", """{"name":"Renamed"}""", true),
        ("POST", "/profile/password", """{"currentPassword":"{password}","newPassword":"a long enough password"}""", true),
        ("POST", "/admin/users", """{"email":"made-{id}@example.com","name":"Made","role":"user","password":"a long enough password"}""", true),
        ("PATCH", "/admin/users/{userId}", """{"name":"Patched","role":"user"}""", true),
        ("POST", "/password/forgot", """{"email":"someone@example.com"}""", false),
        ("POST", "/password/reset", """{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","newPassword":"a long enough password"}""", false),
        ("POST", "/email/verify", """{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""", false),
        ("POST", "/email/verify/resend", """{"email":"someone@example.com"}""", false),
        ("POST", "/login", """{"email":"someone@example.com","password":"a long enough password","twoFactorCode":"123456"}""", false),
        ("POST", "/login", """{"email":"someone@example.com","password":"a long enough password","twoFactorRecoveryCode":"abcd-efgh-ijkl-mnop"}""", false),
        ("POST", "/profile/2fa/setup", """{"currentPassword":"{password}"}""", true),
        ("POST", "/profile/2fa/enable", """{"code":"123456"}""", true),
        ("POST", "/profile/2fa/disable", """{"currentPassword":"{password}","code":"abcd-efgh-ijkl-mnop"}""", true),
        ("POST", "/profile/2fa/recovery-codes", """{"currentPassword":"{password}","code":"123456"}""", true),
    ];

    /// <summary>Addresses no mail can be sent to, though each contains an @: a display name, a list, a comment, a route.</summary>
    public static TheoryData<string> UnmailableEmails => new()
    {
        "Eve <eve-{id}@example.com>",
        "a-{id}@example.com, b@example.com",
        "a-{id}@example.com (comment)",
        "<a-{id}@example.com>",
        "a-{id}@example.com;b@example.com",
        "@relay.example:a-{id}@example.com",
        "a-{id}@",
        "a<b-{id}@example.com",
        "(x)a-{id}@example.com",
        "a-{id}@example.com>",
        "x,y-{id}@example.com",
        "a b-{id}@example.com",
    };

    [Theory]
    [MemberData(nameof(UnmailableEmails))]
    public async Task An_address_mail_cannot_be_sent_to_is_a_400_naming_the_email_wherever_an_account_gets_one(string email)
    {
        foreach (var (method, path, template, needsSession) in Requests.Where(r => r.Body.Contains("\"email\"", StringComparison.Ordinal) && r.Path != "/login"))
        {
            var (userPath, body, cookie) = await ArrangeAsync(path, template, needsSession);
            var json = JsonNode.Parse(body)!.AsObject();
            json["email"] = email.Replace("{id}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal);

            using var response = await _client.SendWithCookieAsync(new HttpMethod(method), userPath, cookie,
                new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));

            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _), $"{method} {path}: {problem}");
        }
    }

    public static TheoryData<string, string> Values => new()
    {
        { "NUL", "\u0000" },
        { "a C0 control", "\u0001" },
        { "DEL", "\u007f" },
        { "a C1 control", "\u0085" },
        { "a right-to-left override", "\u202e" },
        { "a left-to-right isolate", "\u2066" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task A_hostile_character_in_any_string_field_is_a_4xx_and_nul_or_a_control_in_a_name_or_email_names_the_field(string kind, string value)
    {
        foreach (var (method, path, template, needsSession) in Requests)
        {
            foreach (var field in StringFields(template))
            {
                var (userPath, body, cookie) = await ArrangeAsync(path, template, needsSession);
                var json = JsonNode.Parse(body)!.AsObject();
                var original = json[field]!.GetValue<string>();
                var at = original.IndexOf('@', StringComparison.Ordinal) is var i and > 0 ? i : original.Length / 2;
                json[field] = original[..at] + value + original[at..];

                using var response = await _client.SendWithCookieAsync(new HttpMethod(method), userPath, cookie,
                    new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));

                var what = $"{kind} in {field} of {method} {path}";
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(status < 500, $"{what}: {status} {text}");
                if (kind == "NUL" || field is "email" or "name")
                {
                    var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
                    Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{what}: {text}");
                }
            }
        }
    }

    [Theory]
    [InlineData("search", "%00")]
    [InlineData("search", "a%00b")]
    [InlineData("pa%00ge", "1")]
    public async Task Nul_in_the_query_string_is_a_400_naming_the_parameter(string name, string value)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);

        using var response = await _client.GetWithSessionAsync($"/admin/users?{name}={value}", token);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(Uri.UnescapeDataString(name).Replace("\0", "", StringComparison.Ordinal), out _), problem.ToString());
    }

    [Fact]
    public async Task International_names_and_emails_are_welcome_and_stored_as_given()
    {
        var email = $"zoë.李-{Guid.NewGuid():N}@exämple.com";
        const string name = "Zoë O'Brien-李小龍 🎉";

        using var register = await _client.PostAsJsonAsync("/register", new { email, name, password = "a long enough password" });
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var token = ApiClient.SessionTokenFrom(register)!;
        using var rename = await _client.SendWithCookieAsync(HttpMethod.Put, "/profile", $"{ApiClient.CookieName}={token}",
            JsonContent.Create(new { name = "Ærøskøbing ❤️ d'Artagnan" }));
        using var profile = await _client.GetWithSessionAsync("/profile", token);

        Assert.Equal(HttpStatusCode.OK, rename.StatusCode);
        var body = await profile.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(email, body.GetProperty("email").GetString());
        Assert.Equal("Ærøskøbing ❤️ d'Artagnan", body.GetProperty("name").GetString());
    }

    private async Task<(string Path, string Body, string? Cookie)> ArrangeAsync(string path, string template, bool needsSession)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var target = await api.Factory.CreateUserAsync();
        var body = template
            .Replace("{id}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal)
            .Replace("{password}", admin.Password, StringComparison.Ordinal);
        var cookie = needsSession ? $"{ApiClient.CookieName}={await _client.LoginAsync(admin)}" : null;
        return (path.Replace("{userId}", target.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), body, cookie);
    }

    private static IEnumerable<string> StringFields(string template) =>
        JsonNode.Parse(template)!.AsObject().Where(p => p.Value!.GetValueKind() == JsonValueKind.String).Select(p => p.Key);
}
