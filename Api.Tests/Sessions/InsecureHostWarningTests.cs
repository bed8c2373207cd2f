using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Security;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Api.Tests.Sessions;

public sealed class DevelopmentFixture : ApiFixture
{
    protected override string? Environment => "Development";
}

/// <summary>
/// Browsers drop a Secure cookie set over plain HTTP by any host but localhost and the loopback addresses, so an SPA opened
/// at http://192.168.1.5:5000 sees its login succeed and then 401. In Development the API says so in its log.
/// </summary>
public sealed class InsecureHostWarningTests(DevelopmentFixture api) : IClassFixture<DevelopmentFixture>
{
    [Theory]
    [InlineData("http://192.168.1.5:5000", "192.168.1.5")]
    [InlineData("http://myhost:5000", "myhost")]
    public async Task Setting_the_session_cookie_over_plain_http_to_another_host_than_localhost_logs_one_warning_per_host(string baseAddress, string host)
    {
        var client = Client(baseAddress);
        var user = await api.Factory.CreateUserAsync();
        var before = Warnings(api.Factory).Count;

        await client.LoginAsync(user);
        await client.LoginAsync(user, rememberMe: true);

        var warning = Assert.Single(Warnings(api.Factory).Skip(before));
        Assert.Contains(host, warning, StringComparison.Ordinal);
        Assert.Contains("Secure", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:5000")]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://[::1]:5000")]
    [InlineData("https://192.168.1.5:5001")]
    public async Task Setting_the_session_cookie_where_browsers_keep_secure_cookies_logs_no_warning(string baseAddress)
    {
        var client = Client(baseAddress);
        var user = await api.Factory.CreateUserAsync();
        var before = Warnings(api.Factory).Count;

        await client.LoginAsync(user);

        Assert.Equal(before, Warnings(api.Factory).Count);
    }

    internal static List<string> Warnings(ApiFactory factory) =>
        [.. factory.Logs.Where(line => line.StartsWith("Warning Api.Sessions.SessionCookie:", StringComparison.Ordinal))];

    private HttpClient Client(string baseAddress) =>
        api.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress), HandleCookies = false, AllowAutoRedirect = false });
}

public sealed class InsecureHostWarningOutsideDevelopmentTests(ProductionFixture api) : IClassFixture<ProductionFixture>
{
    [Fact]
    public async Task Outside_development_setting_the_cookie_over_plain_http_logs_no_warning()
    {
        var client = api.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://192.168.1.5:5000"), HandleCookies = false });
        var user = await api.Factory.CreateUserAsync();

        await client.LoginAsync(user);

        Assert.Empty(InsecureHostWarningTests.Warnings(api.Factory));
    }
}

public sealed class SecureCookieHostRuleTests
{
    [Theory]
    [InlineData(true, "192.168.1.5", true)]
    [InlineData(true, "api.example.com", true)]
    [InlineData(false, "localhost", true)]
    [InlineData(false, "LOCALHOST", true)]
    [InlineData(false, "app.localhost", true)]
    [InlineData(false, "127.0.0.1", true)]
    [InlineData(false, "127.0.0.2", true)]
    [InlineData(false, "[::1]", true)]
    [InlineData(false, "192.168.1.5", false)]
    [InlineData(false, "myhost", false)]
    [InlineData(false, "localhost.example.com", false)]
    [InlineData(false, "[fe80::1]", false)]
    public void Browsers_keep_a_secure_cookie_over_https_and_over_plain_http_only_from_localhost_and_loopback(bool isHttps, string host, bool kept)
    {
        Assert.Equal(kept, SessionCookie.BrowserKeepsSecureCookies(isHttps, host));
    }
}
