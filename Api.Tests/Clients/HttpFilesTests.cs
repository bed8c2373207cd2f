using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Api.Passwords;
using Api.Sessions;
using Api.Tests.Browser;
using Api.Tests.Infrastructure;
using Api.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Clients;

/// <summary>
/// The .http files, run by httpyac against the API on Kestrel, in place and exactly as a developer runs them: the host
/// comes from http-client.env.json, and httpyac's --var (which wins over an environment file, never over a file's own
/// @host line) points them at this test's API.
/// </summary>
[Collection(BrowserTestGroup.Name)]
[Trait("Category", "Clients")]
public sealed class HttpFilesTests(BrowserFixture browser)
{
    private static readonly string RequestsDirectory = Path.Combine(BrowserFixture.RepositoryRoot, "http-requests");

    [Fact]
    public async Task Every_request_in_every_http_file_passes_its_assertions()
    {
        const string adminPassword = "demo admin password";
        const string userPassword = "demo user password";
        await EnsureDemoUserAsync("admin@example.com", Roles.Admin, adminPassword);
        await EnsureDemoUserAsync("user@example.com", Roles.User, userPassword);
        const string staffUsers = "SELECT count(*) FROM users WHERE email LIKE 'staff-%@example.com'";
        var staffBefore = await browser.Api.ScalarSqlAsync<long>(staffUsers);

        // two-factor.http computes authenticator codes from the wall clock, as an app on a phone does.
        using var wallClock = browser.Api.Clock.TickWithWallClock();
        var (exitCode, output) = await NodeTool.RunAsync("httpyac",
            ["send", .. HttpFiles().Select(file => Path.GetRelativePath(BrowserFixture.RepositoryRoot, file)), "--all", "--output", "short",
             "--env", "dev", "--var", $"host={browser.ApiUrl}", "--var", $"adminPassword={adminPassword}", "--var", $"userPassword={userPassword}"],
            TimeSpan.FromMinutes(3));

        var summary = output.Split('\n').LastOrDefault(line => line.Contains("requests processed", StringComparison.Ordinal)) ?? "";
        var match = Regex.Match(summary, @"(\d+) requests processed \((\d+) succeeded\)");
        Assert.True(exitCode == 0 && match.Success && match.Groups[1].Value == match.Groups[2].Value, $"httpyac exit {exitCode}: {summary}\n{output}");
        Assert.True(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) >= 50, summary);
        // admin.http creates one staff user: it is in this API's database, so --var host won over the environment "dev".
        Assert.Equal(staffBefore + 1, await browser.Api.ScalarSqlAsync<long>(staffUsers));
    }

    [Fact]
    public void Http_files_take_the_host_from_the_environment_file_not_from_a_line_of_their_own()
    {
        foreach (var file in HttpFiles())
        {
            var text = File.ReadAllText(file);
            // A file's own @host would win over both the IDE's environment and httpyac's --var.
            Assert.False(Regex.IsMatch(text, @"^\s*@host\s*=", RegexOptions.Multiline), $"{Path.GetFileName(file)} defines @host itself");
            Assert.Contains("{{host}}/", text, StringComparison.Ordinal);
        }

        using var environments = JsonDocument.Parse(File.ReadAllText(Path.Combine(RequestsDirectory, "http-client.env.json")));
        // Visual Studio reads $shared, httpyac 6 does not: every environment names its own host.
        Assert.False(environments.RootElement.TryGetProperty("$shared", out _), "httpyac ignores $shared in http-client.env.json");
        Assert.True(environments.RootElement.TryGetProperty("dev", out _), "http-client.env.json has no environment \"dev\"");
        foreach (var environment in environments.RootElement.EnumerateObject())
        {
            Assert.True(environment.Value.TryGetProperty("host", out var host) && host.ValueKind == JsonValueKind.String
                && Uri.TryCreate(host.GetString(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                $"environment \"{environment.Name}\" has no absolute http(s) host");
        }
        Assert.Equal("http://localhost:5000", environments.RootElement.GetProperty("dev").GetProperty("host").GetString());
    }

    private static List<string> HttpFiles()
    {
        var files = Directory.GetFiles(RequestsDirectory, "*.http").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        return files;
    }

    private async Task EnsureDemoUserAsync(string email, string role, string password)
    {
        var users = browser.Api.Services.GetRequiredService<UserStore>();
        if (await browser.Api.ScalarSqlAsync<int>("SELECT count(*) FROM users WHERE email = @email", new { email }) == 0)
        {
            await users.CreateAsync(email, "Demo " + role, role, browser.Api.Services.GetRequiredService<PasswordHasher>().Hash(password));
        }
    }
}
