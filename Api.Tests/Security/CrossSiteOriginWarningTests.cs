using Api.Tests.Infrastructure;

namespace Api.Tests.Security;

public sealed class PublicHostFixture : ApiFixture
{
    public const string SameSiteOrigin = "https://app.example.com";
    public const string OtherDomainOrigin = "https://app.example.org";
    public const string IpOrigin = "http://127.0.0.1:5173";

    // AllowedHosts names the API's public host, as production sets it; the test server itself listens nowhere.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AllowedHosts"] = "api.example.com",
        ["Cors:AllowedOrigins"] = $"{SameSiteOrigin},{OtherDomainOrigin},{IpOrigin}",
    };
}

/// <summary>
/// The session cookie is SameSite=Strict: an SPA on another site than the API logs in and then gets 401 on every call.
/// The API says so when it starts, naming the origin.
/// </summary>
public sealed class CrossSiteOriginWarningTests(PublicHostFixture api) : IClassFixture<PublicHostFixture>
{
    [Theory]
    [InlineData(PublicHostFixture.OtherDomainOrigin)]
    [InlineData(PublicHostFixture.IpOrigin)]
    public async Task An_allowed_origin_on_another_site_than_the_allowed_hosts_is_warned_about_at_startup(string origin)
    {
        await StartedAsync();

        Assert.Single(CrossSiteWarnings(api.Factory.Logs, origin));
    }

    [Fact]
    public async Task An_allowed_origin_on_the_apis_site_is_not_warned_about()
    {
        await StartedAsync();

        Assert.Empty(CrossSiteWarnings(api.Factory.Logs, PublicHostFixture.SameSiteOrigin));
    }

    internal static IEnumerable<string> CrossSiteWarnings(IEnumerable<string> logs, string origin) =>
        logs.Where(line => line.Contains("SameSite=Strict", StringComparison.Ordinal) && line.Contains($" {origin} ", StringComparison.Ordinal));

    /// <summary>Waits until the warning for <paramref name="origin"/> is logged, or 30 s.</summary>
    internal static async Task WaitForWarningAsync(IEnumerable<string> logs, string origin)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!CrossSiteWarnings(logs, origin).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    // The check runs in an ApplicationStarted callback, and the test host may report the start before that callback has
    // run (callbacks run last-registered first). The check warns about the origins in their order, and the IP origin
    // is the last one listed: once it is warned about, the check is done.
    private async Task StartedAsync()
    {
        _ = api.Factory.Services;
        await WaitForWarningAsync(api.Factory.Logs, PublicHostFixture.IpOrigin);
    }
}

/// <summary>Without AllowedHosts, the API's host is the one Kestrel listens on: 127.0.0.1 for <see cref="ApiProcess"/>.</summary>
public sealed class CrossSiteOriginListenAddressTests(CorsEnvironmentVariableFixture fixture) : IClassFixture<CorsEnvironmentVariableFixture>
{
    [Fact]
    public async Task Localhost_is_another_site_than_the_127_0_0_1_the_api_listens_on_and_is_warned_about()
    {
        await CrossSiteOriginWarningTests.WaitForWarningAsync(fixture.Api.Output, "http://localhost:5173");

        var warning = Assert.Single(Warnings(fixture.Api, "http://localhost:5173"));
        Assert.Contains("127.0.0.1", warning, StringComparison.Ordinal);
        Assert.Empty(Warnings(fixture.Api, "http://127.0.0.1:5173"));
    }

    private static IEnumerable<string> Warnings(ApiProcess api, string origin) =>
        CrossSiteOriginWarningTests.CrossSiteWarnings(api.Output, origin);
}
