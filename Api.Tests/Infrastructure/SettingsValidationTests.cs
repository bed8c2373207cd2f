namespace Api.Tests.Infrastructure;

/// <summary>A misconfiguration stops the API at startup with a message naming the setting, instead of failing requests.</summary>
public sealed class SettingsValidationTests
{
    [Theory]
    [InlineData("Cors:AllowedOrigins:0", "*")]
    [InlineData("Cors:AllowedOrigins:0", "https://app.example.com/path")]
    [InlineData("Cors:AllowedHeaders:0", "X Spaced")]
    [InlineData("Cors:AllowedHeaders:0", "*")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "not-an-ip")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/99")]
    [InlineData("ForwardedHeaders:KnownProxies", "10.0.0.1,not-an-ip")]
    [InlineData("Passwords:WorkFactor", "3")]
    [InlineData("Passwords:QueueTimeout", "-00:00:01")]
    [InlineData("RateLimiting:AuthWindow", "00:00:00")]
    [InlineData("LoginThrottle:BaseLockout", "00:00:00")]
    [InlineData("Session:IdleTimeout", "00:00:00")]
    [InlineData("Session:TouchInterval", "2.00:00:00")]
    [InlineData("RequestLimits:MaxBodyBytes", "10")]
    [InlineData("Database:MaxPoolSize", "0")]
    [InlineData("Database:ConnectTimeout", "00:00:00")]
    [InlineData("Database:CommandTimeout", "-00:00:01")]
    public async Task The_api_refuses_to_start_with_an_invalid_setting(string key, string value)
    {
        // A real process, started as an operator starts it: the in-process test host could race its own disposal of a
        // host whose start failed, and report that instead. No database is needed: validation runs before anything connects.
        var (exitCode, output) = await ApiCommand.RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none",
            ["Database:MigrateOnStartup"] = "false",
            [key] = value,
        }, "--urls", $"http://127.0.0.1:{Ports.Free()}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
        var setting = key.Split(':').Last(part => !int.TryParse(part, out _));
        Assert.Contains(setting, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cors:AllowedOrigins:0", "https://app.example.com/path", "https://app.example.com/path")]
    [InlineData("Cors:AllowedOrigins", "https://ok.example,https://app.example.com/path", "https://app.example.com/path")]
    [InlineData("Cors:AllowedOrigins", "https://ok.example, *", "*")]
    [InlineData("Cors:AllowedHeaders:0", "X Spaced", "X Spaced")]
    [InlineData("Cors:AllowedHeaders", "X-Ok, X Spaced", "X Spaced")]
    public async Task A_bad_item_of_a_list_setting_stops_startup_naming_it_whether_written_as_an_array_or_with_commas(string key, string value, string bad)
    {
        var (exitCode, output) = await ApiCommand.RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none",
            ["Database:MigrateOnStartup"] = "false",
            [key] = value,
        }, "--urls", $"http://127.0.0.1:{Ports.Free()}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
        Assert.Contains($"'{bad}'", output, StringComparison.Ordinal);
    }
}
