using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Api.Tests.Infrastructure;

public sealed class OpenApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_document_declares_the_cookie_scheme_and_which_operations_need_it()
    {
        using var client = api.Factory.CreateBareClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("sessionCookie");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("cookie", scheme.GetProperty("in").GetString());
        Assert.Equal("__Host-sid", scheme.GetProperty("name").GetString());

        var paths = document.GetProperty("paths");
        string[] anonymous = ["/login", "/session", "/logout", "/register", "/password/forgot", "/password/reset", "/email/verify", "/email/verify/resend", "/health/live", "/health/ready"];
        var operations = paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Path: path.Name, Method: op.Name, Operation: op.Value)))
            .ToList();
        Assert.True(operations.Count >= 14, $"only {operations.Count} operations documented");
        foreach (var (path, method, operation) in operations.Where(o => !anonymous.Contains(o.Path)))
        {
            Assert.True(operation.TryGetProperty("security", out var security), $"{method} {path} has no security");
            Assert.True(security[0].TryGetProperty("sessionCookie", out _));
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{method} {path} documents no 401");
            if (path.StartsWith("/admin", StringComparison.Ordinal))
            {
                Assert.True(operation.GetProperty("responses").TryGetProperty("403", out _), $"{method} {path} documents no 403");
            }
        }
        foreach (var (path, method, operation) in operations.Where(o => anonymous.Contains(o.Path)))
        {
            Assert.True(operation.TryGetProperty("security", out var security) && security.GetArrayLength() == 0, $"{method} {path} should state that it needs no session");
        }
        var login = paths.GetProperty("/login").GetProperty("post");
        foreach (var status in new[] { "200", "400", "401" })
        {
            Assert.True(login.GetProperty("responses").TryGetProperty(status, out _), $"/login documents no {status}");
        }
    }

    [Fact]
    public async Task The_document_names_its_server_as_configured_never_from_the_host_header()
    {
        using var client = api.Factory.CreateBareClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/swagger/v1/swagger.json");
        request.Headers.Host = "evil.example";
        await using var configured = new ApiFactory(api.Factory.ConnectionString, new Dictionary<string, string?> { ["OpenApi:ServerUrl"] = "https://api.example.com" });
        using var configuredClient = configured.CreateBareClient();

        using var response = await client.SendAsync(request);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var configuredDocument = await configuredClient.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        Assert.Equal("/", document.GetProperty("servers")[0].GetProperty("url").GetString());
        Assert.DoesNotContain("evil.example", document.ToString(), StringComparison.Ordinal);
        Assert.Equal("https://api.example.com", configuredDocument.GetProperty("servers")[0].GetProperty("url").GetString());
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        using var client = api.Factory.CreateBareClient();

        using var response = await client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
