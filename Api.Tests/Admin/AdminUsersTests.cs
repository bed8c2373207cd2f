using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Admin;

public sealed class AdminUsersTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Admin_users_without_a_session_gets_401_and_as_a_user_gets_403()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var anonymous = await _client.GetAsync("/admin/users");
        using var asUser = await _client.GetWithSessionAsync("/admin/users", token);

        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var problem = await asUser.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Forbidden", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Admin_lists_users_a_page_at_a_time_without_password_hashes()
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        for (var i = 0; i < 4; i++)
        {
            await api.Factory.CreateUserAsync();
        }
        var token = await _client.LoginAsync(admin);

        using var response = await _client.GetWithSessionAsync("/admin/users?page=2&pageSize=2", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("hash", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("$2b$", text, StringComparison.Ordinal);
        var page = JsonDocument.Parse(text).RootElement;
        Assert.Equal(2, page.GetProperty("page").GetInt32());
        Assert.Equal(2, page.GetProperty("pageSize").GetInt32());
        Assert.True(page.GetProperty("total").GetInt64() >= 5);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal(["id", "email", "name", "role", "createdAt", "disabledAt", "emailVerifiedAt", "twoFactorEnabled"], items[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Admin_search_matches_email_and_name_case_insensitively_and_treats_wildcards_literally()
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var target = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(admin);
        var fragment = target.Email[5..20].ToUpperInvariant();

        using var found = await _client.GetWithSessionAsync($"/admin/users?search={fragment}", token);
        using var wildcard = await _client.GetWithSessionAsync("/admin/users?search=%25", token);

        var page = await found.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, page.GetProperty("total").GetInt64());
        Assert.Equal(target.Email, page.GetProperty("items")[0].GetProperty("email").GetString());
        var none = await wildcard.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, none.GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("page=0", "page")]
    public async Task Admin_users_rejects_out_of_range_paging_with_400(string query, string field)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);

        using var response = await _client.GetWithSessionAsync($"/admin/users?{query}", token);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("page=abc")]
    [InlineData("pageSize=99999999999999")]
    public async Task Admin_users_rejects_unparseable_paging_with_400_problem(string query)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);

        using var response = await _client.GetWithSessionAsync($"/admin/users?{query}", token);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
