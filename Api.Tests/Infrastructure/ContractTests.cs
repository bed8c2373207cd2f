using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Browser;

namespace Api.Tests.Infrastructure;

/// <summary>
/// The OpenAPI document is a contract that typed clients are generated from: these tests hold the API to it, by sending
/// every operation the requests an attacker or a careless client would, and by checking the shapes a generator reads.
/// </summary>
public sealed class ContractTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Every_answer_to_a_hostile_or_careless_request_is_documented_for_its_operation()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var codes = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails")
            .GetProperty("properties").GetProperty("code").GetProperty("enum").EnumerateArray().Select(c => c.GetString()).ToHashSet();
        var admin = await api.Factory.CreateUserAsync(Roles.Admin);
        var user = await api.Factory.CreateUserAsync();
        var checkedAnswers = 0;

        foreach (var (path, method, operation) in Operations(document))
        {
            var url = Regex.Replace(path, @"\{(\w+)\}", m => ParameterValue(operation, m.Groups[1].Value));
            var hasBody = operation.TryGetProperty("requestBody", out _);
            var requests = new List<(string Case, Func<Task<HttpRequestMessage>> Build)>
            {
                ("no cookie", () => Task.FromResult(Request(method, url, null, hasBody ? Json("{}") : null))),
                ("a dead cookie", () => Task.FromResult(Request(method, url, SecretToken.Create(), hasBody ? Json("{}") : null))),
                ("a user's session", async () => Request(method, url, await SessionAsync(user.Id), hasBody ? Json("{}") : null)),
                ("a NUL in the query", async () => Request(method, url + "?x=%00", await SessionAsync(admin.Id), hasBody ? Json("{}") : null)),
                ("a cross-site page", async () =>
                {
                    var request = Request(method, url, await SessionAsync(admin.Id), hasBody ? Json("{}") : null);
                    request.Headers.Add("Origin", "https://evil.example");
                    request.Headers.Add("Sec-Fetch-Site", "cross-site");
                    return request;
                }),
            };
            if (hasBody)
            {
                requests.Add(("an empty object", async () => Request(method, url, await SessionAsync(admin.Id), Json("{}"))));
                requests.Add(("an unknown field", async () => Request(method, url, await SessionAsync(admin.Id), Json("""{"zzz":1}"""))));
                requests.Add(("broken JSON", async () => Request(method, url, await SessionAsync(admin.Id), Json("""{"email":"""))));
                requests.Add(("null", async () => Request(method, url, await SessionAsync(admin.Id), Json("null"))));
                requests.Add(("text/plain", async () => Request(method, url, await SessionAsync(admin.Id), new StringContent("{}", Encoding.UTF8, "text/plain"))));
                requests.Add(("a body over the limit", async () =>
                    Request(method, url, await SessionAsync(admin.Id), Json($$"""{"name":"{{new string('a', 20_000)}}"}"""))));
            }

            foreach (var (name, build) in requests)
            {
                using var request = await build();
                using var response = await _client.SendAsync(request);
                var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var body = await response.Content.ReadAsStringAsync();
                var where = $"{method.ToUpperInvariant()} {path} with {name}: {status} {body}";

                Assert.True(operation.GetProperty("responses").TryGetProperty(status, out var documented), $"undocumented answer: {where}");
                if ((int)response.StatusCode >= 400)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    Assert.True(documented.GetProperty("content").TryGetProperty("application/problem+json", out _), where);
                    Assert.Contains(JsonDocument.Parse(body).RootElement.GetProperty("code").GetString(), codes);
                }
                foreach (var header in new[] { "Set-Cookie", "Retry-After", "Location" })
                {
                    if (response.Headers.Contains(header))
                    {
                        Assert.True(documented.TryGetProperty("headers", out var headers) && headers.TryGetProperty(header, out _),
                            $"undocumented {header}: {where}");
                    }
                }
                checkedAnswers++;
            }
        }
        Assert.True(checkedAnswers >= 100, $"only {checkedAnswers} answers checked");
    }

    [Fact]
    public async Task Problems_the_framework_raises_carry_codes_too()
    {
        using var noRoute = await _client.GetAsync("/no-such-path");
        using var wrongMethod = await _client.GetAsync("/login");
        using var badRouteValue = await _client.DeleteAsync("/sessions/not-a-uuid");

        await noRoute.AssertProblemAsync(HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await wrongMethod.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed);
        await badRouteValue.AssertProblemAsync(HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Fact]
    public async Task The_problem_schema_lists_every_code_and_the_readme_explains_each()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var readme = await File.ReadAllTextAsync(Path.Combine(BrowserFixture.RepositoryRoot, "README.md"));

        foreach (var schema in new[] { "ProblemDetails", "HttpValidationProblemDetails" })
        {
            var problem = document.GetProperty("components").GetProperty("schemas").GetProperty(schema);
            var listed = problem.GetProperty("properties").GetProperty("code").GetProperty("enum").EnumerateArray().Select(c => c.GetString());
            Assert.Equal(ProblemCodes.All.Order(), listed.Order());
            Assert.Contains("code", problem.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        }
        var codes = readme[readme.IndexOf("### Error codes", StringComparison.Ordinal)..];
        codes = codes[..codes.IndexOf("\n#", 1, StringComparison.Ordinal)];
        var explained = Regex.Matches(codes, @"^\| `([a-z_]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ProblemCodes.All.Order(), explained.Order());
    }

    [Fact]
    public async Task Schemas_say_exactly_what_the_api_requires_and_guarantees()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var schemas = document.GetProperty("components").GetProperty("schemas");

        // A request: the validator's required fields are required and not nullable; unknown fields are refused.
        var login = schemas.GetProperty("LoginRequest");
        Assert.Equal(["email", "password"], Required(login));
        Assert.False(login.GetProperty("properties").GetProperty("email").TryGetProperty("nullable", out _));
        Assert.False(login.GetProperty("additionalProperties").GetBoolean());
        // A partial update: every field optional, none required.
        Assert.Empty(Required(schemas.GetProperty("UpdateUserRequest")));

        // A response: every property is always present, nullable only where it can be null, open to later additions.
        var user = schemas.GetProperty("UserResponse");
        Assert.Equal(["email", "emailVerified", "id", "name", "role", "twoFactorEnabled"], Required(user));
        Assert.False(user.GetProperty("properties").GetProperty("email").TryGetProperty("nullable", out _));
        Assert.False(user.TryGetProperty("additionalProperties", out _));
        Assert.Equal(["admin", "user"], user.GetProperty("properties").GetProperty("role").GetProperty("enum").EnumerateArray().Select(r => r.GetString()!).Order());
        var session = schemas.GetProperty("SessionResponse");
        Assert.True(session.GetProperty("properties").GetProperty("userAgent").GetProperty("nullable").GetBoolean());
        Assert.Contains("userAgent", Required(session));

        // Query parameters are named as the README and the validation errors name them.
        var list = document.GetProperty("paths").GetProperty("/admin/users").GetProperty("get").GetProperty("parameters");
        Assert.Equal(["page", "pageSize", "search"], list.EnumerateArray().Select(p => p.GetProperty("name").GetString()!));
    }

    private static string[] Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(r => r.GetString()!).Order().ToArray() : [];

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (path.Name, op.Name, op.Value)));

    private static string ParameterValue(JsonElement operation, string name)
    {
        var parameter = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
        return parameter.GetProperty("schema").GetProperty("format").GetString() == "uuid" ? Guid.NewGuid().ToString() : "999999999";
    }

    private static HttpRequestMessage Request(string method, string url, string? token, HttpContent? content)
    {
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url) { Content = content };
        if (token is not null)
        {
            request.Headers.Add("Cookie", $"{ApiClient.CookieName}={token}");
        }
        return request;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A fresh session of the user, written directly: every request may end its own (logout, revocation).</summary>
    private async Task<string> SessionAsync(long userId)
    {
        var token = SecretToken.Create();
        await api.Factory.ExecuteSqlAsync("""
            INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
            VALUES (@hash, @userId, @now, @now, @now + interval '1 hour', @now + interval '1 day')
            """, new { hash = SecretToken.Hash(token), userId, now = api.Factory.Clock.GetUtcNow().UtcDateTime });
        return token;
    }
}
