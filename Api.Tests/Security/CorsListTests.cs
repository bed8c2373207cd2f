using System.Net;
using Api.Tests.Infrastructure;

namespace Api.Tests.Security;

public sealed class CommaSeparatedListsFixture : ApiFixture
{
    // One string, as deployment tools and .env files set a variable (Cors__AllowedOrigins=...).
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Cors:AllowedOrigins"] = "https://a.example, https://b.example",
        ["Cors:AllowedHeaders"] = "X-Client-Version,X-Requested-With",
        ["ForwardedHeaders:KnownProxies"] = "10.0.0.1, 10.0.0.2",
    };
}

/// <summary>List settings work as an array and as one comma-separated string.</summary>
public sealed class CorsListTests(CommaSeparatedListsFixture api) : IClassFixture<CommaSeparatedListsFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Theory]
    [InlineData("https://a.example")]
    [InlineData("https://b.example")]
    public async Task Every_origin_of_a_comma_separated_list_is_allowed_with_every_listed_header(string origin)
    {
        using var response = await _client.SendAsync(CorsTests.Preflight("/login", origin, "POST", "content-type,x-client-version,x-requested-with"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, CorsTests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Superset(new HashSet<string> { "content-type", "x-client-version", "x-requested-with", "traceparent" }, CorsTests.AllowedHeaders(response));
    }

    [Fact]
    public async Task Every_proxy_of_a_comma_separated_list_may_speak_for_the_client()
    {
        var user = await api.Factory.CreateUserAsync();
        using var login = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { email = user.Email, password = user.Password }),
        };
        login.Headers.Add(ApiFactory.PeerHeader, "10.0.0.2");
        login.Headers.Add("X-Forwarded-For", "192.0.2.50");

        using var response = await _client.SendAsync(login);
        using var sessions = await _client.GetWithSessionAsync("/sessions", ApiClient.SessionTokenFrom(response)!);

        Assert.Contains("\"ip\":\"192.0.2.50\"", await sessions.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_comma_separated_list_adds_to_an_array_from_another_source()
    {
        // The test host runs in Development, whose appsettings.Development.json lists the sample SPA as an array.
        using var response = await _client.SendAsync(CorsTests.Preflight("/login", "http://localhost:5173", "POST"));

        Assert.Equal("http://localhost:5173", CorsTests.Header(response, "Access-Control-Allow-Origin"));
    }
}

/// <summary>
/// The API as a process with its origins in one environment variable, the way containers and systemd units configure it.
/// </summary>
public sealed class CorsEnvironmentVariableFixture : IAsyncLifetime
{
    // 127.0.0.1:5173 is the API's own site and localhost:5173 another: it comes last, so that once its warning is logged
    // the startup check is known to have passed the first.
    public const string Origins = "http://127.0.0.1:5173,http://localhost:5173";

    private ApiProcess? _api;

    public ApiProcess Api => _api ?? throw new InvalidOperationException("The fixture is not initialised.");

    public async Task InitializeAsync()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        _api = ApiProcess.Start(database, new Dictionary<string, string> { ["Cors:AllowedOrigins"] = Origins });
        await _api.WaitUntilLiveAsync();
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }
}

public sealed class CorsEnvironmentVariableTests(CorsEnvironmentVariableFixture fixture) : IClassFixture<CorsEnvironmentVariableFixture>
{
    [Theory]
    [InlineData("http://localhost:5173")]
    [InlineData("http://127.0.0.1:5173")]
    public async Task Cors__AllowedOrigins_as_one_comma_separated_variable_allows_each_origin(string origin)
    {
        using var client = fixture.Api.CreateClient();

        using var response = await client.SendAsync(CorsTests.Preflight("/login", origin, "POST", "content-type,traceparent"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, CorsTests.Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", CorsTests.Header(response, "Access-Control-Allow-Credentials"));
    }
}
