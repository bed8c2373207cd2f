using Api.Passwords;
using Api.Sessions;
using Api.Tests.Browser;
using Api.Tests.Infrastructure;
using Api.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Clients;

/// <summary>The .http files, run by httpyac against the API on Kestrel, exactly as a developer runs them.</summary>
[Collection(BrowserTestGroup.Name)]
[Trait("Category", "Clients")]
public sealed class HttpFilesTests(BrowserFixture browser)
{
    [Fact]
    public async Task Every_request_in_every_http_file_passes_its_assertions()
    {
        const string adminPassword = "demo admin password";
        const string userPassword = "demo user password";
        await EnsureDemoUserAsync("admin@example.com", Roles.Admin, adminPassword);
        await EnsureDemoUserAsync("user@example.com", Roles.User, userPassword);
        var directory = CopyPointedAt(browser.ApiUrl);
        var files = Directory.GetFiles(directory, "*.http").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        var (exitCode, output) = await NodeTool.RunAsync("httpyac",
            ["send", .. files!, "--all", "--output", "short", "--var", $"adminPassword={adminPassword}", "--var", $"userPassword={userPassword}"],
            TimeSpan.FromMinutes(3), directory);
        Directory.Delete(directory, recursive: true);

        var summary = output.Split('\n').LastOrDefault(line => line.Contains("requests processed", StringComparison.Ordinal)) ?? "";
        var match = System.Text.RegularExpressions.Regex.Match(summary, @"(\d+) requests processed \((\d+) succeeded\)");
        Assert.True(exitCode == 0 && match.Success && match.Groups[1].Value == match.Groups[2].Value, $"httpyac exit {exitCode}: {summary}\n{output}");
        Assert.True(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 50, summary);
    }

    /// <summary>
    /// The files as a developer has them, with their @host line pointed at this test's API: a file's own @host wins over
    /// httpyac's --var, and the files must keep working unchanged in an IDE.
    /// </summary>
    private static string CopyPointedAt(string apiUrl)
    {
        var source = Path.Combine(BrowserFixture.RepositoryRoot, "http-requests");
        var target = Directory.CreateTempSubdirectory("http-requests-").FullName;
        File.Copy(Path.Combine(source, ".httpyac.json"), Path.Combine(target, ".httpyac.json"));
        foreach (var file in Directory.GetFiles(source, "*.http"))
        {
            var text = File.ReadAllText(file);
            Assert.Contains("@host = http://localhost:5000", text, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(target, Path.GetFileName(file)), text.Replace("@host = http://localhost:5000", "@host = " + apiUrl, StringComparison.Ordinal));
        }
        return target;
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
