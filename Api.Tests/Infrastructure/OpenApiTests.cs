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
        foreach (var (path, method) in new[] { ("/profile", "get"), ("/dashboard", "get"), ("/admin/users", "get") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.True(operation.TryGetProperty("security", out var security), $"{method} {path} has no security");
            Assert.True(security[0].TryGetProperty("sessionCookie", out _));
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{method} {path} documents no 401");
        }
        Assert.True(paths.GetProperty("/admin/users").GetProperty("get").GetProperty("responses").TryGetProperty("403", out _));
        var login = paths.GetProperty("/login").GetProperty("post");
        Assert.False(login.TryGetProperty("security", out _));
        foreach (var status in new[] { "200", "400", "401" })
        {
            Assert.True(login.GetProperty("responses").TryGetProperty(status, out _), $"/login documents no {status}");
        }
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        using var client = api.Factory.CreateBareClient();

        using var response = await client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
