using Api.Security;

namespace Api.Tests.Security;

/// <summary>The site approximation behind the cross-site origin warning, without a server.</summary>
public sealed class SameSiteRuleTests
{
    [Theory]
    [InlineData("localhost", "localhost", true)]
    [InlineData("api.example.com", "app.example.com", true)]
    [InlineData("example.com", "app.example.com", true)]
    [InlineData("a.b.example.com", "c.example.com", true)]
    [InlineData("API.Example.com", "app.example.com.", true)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("[::1]", "::1", true)]
    [InlineData("localhost", "127.0.0.1", false)]
    [InlineData("localhost", "[::1]", false)]
    [InlineData("localhost", "app.localhost", false)]
    [InlineData("example.com", "example.org", false)]
    [InlineData("app.example.com", "example.org", false)]
    [InlineData("192.168.1.5", "10.1.1.5", false)]
    [InlineData("myhost", "localhost", false)]
    public void Hosts_are_one_site_when_their_last_two_labels_match_and_ip_literals_and_localhost_only_with_themselves(string host, string other, bool sameSite)
    {
        Assert.Equal(sameSite, SameSiteOriginCheck.IsSameSite(host, other));
        Assert.Equal(sameSite, SameSiteOriginCheck.IsSameSite(other, host));
    }

    [Fact]
    public void The_api_hosts_are_allowed_hosts_when_named_with_a_wildcard_meaning_the_parent_domain()
    {
        var hosts = SameSiteOriginCheck.ApiHosts(["api.example.com", "*.example.org"], ["http://127.0.0.1:8080"]);

        Assert.Equal(["api.example.com", "example.org"], hosts);
    }

    [Fact]
    public void Without_allowed_hosts_the_api_hosts_are_the_listening_hosts_that_name_one_host()
    {
        var hosts = SameSiteOriginCheck.ApiHosts(["*"], ["http://localhost:5000", "https://localhost:5001", "http://0.0.0.0:5002", "http://[::]:5003", "http://+:5004", "http://unix:/tmp/api.sock"]);

        Assert.Equal(["localhost"], hosts);
    }

    [Fact]
    public void An_origin_same_site_with_any_api_host_is_not_cross_site()
    {
        var crossSite = SameSiteOriginCheck.CrossSite(["https://app.example.com", "https://app.example.org", "http://localhost:5173"], ["api.example.com", "localhost"]);

        Assert.Equal(["https://app.example.org"], crossSite);
    }
}
