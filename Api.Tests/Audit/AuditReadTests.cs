using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Api.Audit;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Browser;
using Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Audit;

public sealed class AuditReadTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = ClientFrom(api.Factory, "198.51.100.4");

    private static HttpClient ClientFrom(ApiFactory factory, string peer)
    {
        var client = factory.CreateBareClient();
        client.DefaultRequestHeaders.Add(ApiFactory.PeerHeader, peer);
        return client;
    }

    [Fact]
    public async Task Admins_page_through_the_trail_newest_first_filtered_by_user_and_type()
    {
        var user = await api.Factory.CreateUserAsync();
        for (var i = 0; i < 3; i++)
        {
            using (await _client.PostLoginAsync(user.Email, "not the password")) { }
        }
        using (await _client.PostLoginAsync(user.Email, user.Password)) { }
        var admin = await AdminTokenAsync();

        var first = await PageAsync($"/admin/audit?userId={user.Id}&type=login_failed&limit=2", admin);
        Assert.Equal(2, first.Items.Count);
        Assert.All(first.Items, e => Assert.Equal(("login_failed", user.Id), (e.GetProperty("type").GetString(), e.GetProperty("userId").GetInt64())));
        Assert.True(first.Items[0].GetProperty("id").GetInt64() > first.Items[1].GetProperty("id").GetInt64());
        Assert.NotNull(first.Next);
        var second = await PageAsync($"/admin/audit?userId={user.Id}&type=login_failed&limit=2&before={first.Next}", admin);
        Assert.Single(second.Items);
        Assert.Null(second.Next);
        Assert.Equal(["id", "at", "type", "userId", "actorId", "sessionId", "ip", "userAgent", "detail"], first.Items[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("wrong_password", first.Items[0].GetProperty("detail").GetProperty("reason").GetString());

        var all = await PageAsync($"/admin/audit?userId={user.Id}", admin);
        Assert.Equal(["login_succeeded", "login_failed", "login_failed", "login_failed"], all.Items.Select(e => e.GetProperty("type").GetString()));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("type=not_a_type")]
    [InlineData("before=-1")]
    [InlineData("userId=0")]
    [InlineData("limit=abc")]
    public async Task A_bad_filter_is_a_400(string query)
    {
        using var response = await _client.GetWithSessionAsync($"/admin/audit?{query}", await AdminTokenAsync());
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Only_admins_read_the_trail()
    {
        using var anonymous = await _client.GetAsync("/admin/audit");
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.SessionRequired);
        var user = await api.Factory.CreateUserAsync();
        using var notAdmin = await _client.GetWithSessionAsync("/admin/audit", await _client.LoginAsync(user));
        await notAdmin.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.ForbiddenRole);
    }

    [Fact]
    public async Task A_user_sees_only_their_own_events_of_the_last_90_days_without_an_admins_address()
    {
        var user = await api.Factory.CreateUserAsync();
        var stranger = await api.Factory.CreateUserAsync();
        using (await _client.PostLoginAsync(stranger.Email, "not the password")) { }
        using (await _client.PostLoginAsync(user.Email, "not the password")) { }
        await api.Factory.ExecuteSqlAsync("UPDATE audit_events SET at = at - interval '91 days' WHERE user_id = @Id", new { user.Id });
        using (await _client.PostLoginAsync(user.Email, "not the password either")) { }
        var admin = await AdminTokenAsync();
        using (await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", $"{ApiClient.CookieName}={admin}", JsonContent.Create(new { disabled = true }))) { }
        using (await _client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", $"{ApiClient.CookieName}={admin}", JsonContent.Create(new { disabled = false }))) { }
        var token = await _client.LoginAsync(user);

        var page = await PageAsync("/profile/activity", token);
        Assert.Equal(["login_succeeded", "user_enabled", "user_disabled", "login_failed"], page.Items.Select(e => e.GetProperty("type").GetString()));
        Assert.All(page.Items, e => Assert.Equal(user.Id, e.GetProperty("userId").GetInt64()));
        var byAdmin = page.Items[1];
        Assert.Equal(JsonValueKind.Null, byAdmin.GetProperty("ip").ValueKind);
        Assert.Equal(JsonValueKind.Null, byAdmin.GetProperty("userAgent").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, page.Items[0].GetProperty("ip").ValueKind);

        var paged = await PageAsync("/profile/activity?limit=1", token);
        Assert.Single(paged.Items);
        Assert.Equal(page.Items[0].GetProperty("id").GetInt64(), paged.Next);
    }

    [Fact]
    public async Task The_rate_limiter_and_everything_after_it_see_the_user_as_a_principal_with_id_role_and_session()
    {
        // A global limiter's partition runs before the endpoint and its filters: what it sees, policies and scopes see.
        ClaimsPrincipal? seen = null;
        using var factory = api.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Configure<RateLimiterOptions>(options => options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                seen = context.User;
                return RateLimitPartition.GetNoLimiter("all");
            }))));
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), HandleCookies = false });
        var admin = await api.Factory.CreateUserAsync(Roles.Admin);
        var token = await client.LoginAsync(admin);

        using (await client.GetWithSessionAsync("/profile", token)) { }

        var principal = Assert.IsType<ClaimsPrincipal>(seen);
        Assert.True(principal.Identity?.IsAuthenticated);
        Assert.Equal(admin.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.True(principal.IsInRole(Roles.Admin));
        Assert.NotNull(principal.FindFirstValue(SessionPrincipal.SessionIdClaim));

        using (await client.GetAsync("/health/live")) { }
        Assert.False(Assert.IsType<ClaimsPrincipal>(seen).Identity?.IsAuthenticated);
    }

    [Fact]
    public async Task The_document_lists_every_event_type_as_an_enum()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var type = document.GetProperty("components").GetProperty("schemas").GetProperty("AuditEventResponse").GetProperty("properties").GetProperty("type");
        Assert.Equal(AuditEventTypes.All.Order(), type.GetProperty("enum").EnumerateArray().Select(t => t.GetString()!).Order());
    }

    [Fact]
    public void The_readme_lists_every_event_type()
    {
        var readme = File.ReadAllText(Path.Combine(BrowserFixture.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("### Audit events", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n#", 1, StringComparison.Ordinal)];
        var listed = Regex.Matches(section, @"^\| `([a-z_]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(AuditEventTypes.All.Order(), listed.Order());
    }

    private async Task<string> AdminTokenAsync() => await _client.LoginAsync(await api.Factory.CreateUserAsync(Roles.Admin));

    private async Task<(IReadOnlyList<JsonElement> Items, long? Next)> PageAsync(string path, string token)
    {
        using var response = await _client.GetWithSessionAsync(path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var next = body.GetProperty("next");
        return ([.. body.GetProperty("items").EnumerateArray()], next.ValueKind == JsonValueKind.Null ? null : next.GetInt64());
    }
}
