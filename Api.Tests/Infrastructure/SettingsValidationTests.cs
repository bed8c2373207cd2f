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
    [InlineData("DataProtection:CertificatePath", "/nonexistent/keyring.pfx")]
    [InlineData("DataProtection:DecryptionCertificatePaths", "/nonexistent/old.pfx")]
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
    [InlineData("Email:From", "no-reply at example.com")]
    [InlineData("Email:From", "a@example.com, b@example.com")]
    [InlineData("Email:Smtp:Port", "70000")]
    [InlineData("Email:Smtp:Security", "7")]
    [InlineData("Email:PollInterval", "00:00:00")]
    [InlineData("Email:MaxPermanentFailures", "0")]
    [InlineData("Email:RetryMaxDelay", "00:00:01")]
    [InlineData("Telemetry:SampleRatio", "1.5")]
    public async Task The_api_refuses_to_start_with_an_invalid_setting(string key, string value)
    {
        var (exitCode, output) = await StartAsync(new Dictionary<string, string> { [key] = value });

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
        var (exitCode, output) = await StartAsync(new Dictionary<string, string> { [key] = value });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
        Assert.Contains($"'{bad}'", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("StartTlsWhenAvailable")]
    public async Task The_api_refuses_opportunistic_tls_which_a_man_in_the_middle_could_strip(string security)
    {
        var (exitCode, output) = await StartWithMailAsync(new Dictionary<string, string> { ["Email:Smtp:Security"] = security });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Email:Smtp:Security", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Email:From", "", "Email:From must be set when Email:Smtp:Host is.")]
    [InlineData("Email:Smtp:Username", "mailer", "Email:Smtp:Username needs Email:Smtp:Security StartTls or SslOnConnect")]
    [InlineData("Email:LeaseDuration", "00:01:00", "Email:LeaseDuration must be at least ten times Email:Smtp:Timeout.")]
    public async Task The_api_refuses_mail_settings_that_cannot_work_together(string key, string value, string message)
    {
        var (exitCode, output) = await StartWithMailAsync(new Dictionary<string, string> { [key] = value, ["Email:Smtp:Security"] = "None" });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output)> StartWithMailAsync(Dictionary<string, string> settings) =>
        StartAsync(new Dictionary<string, string>(settings)
        {
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:From"] = settings.GetValueOrDefault("Email:From", "no-reply@example.com"),
        });

    /// <summary>
    /// Starts a real process, as an operator starts it: the in-process test host could race its own disposal of a host
    /// whose start failed, and report that instead. No database is needed: validation runs before anything connects.
    /// </summary>
    private static Task<(int ExitCode, string Output)> StartAsync(Dictionary<string, string> settings) =>
        ApiCommand.RunAsync(new Dictionary<string, string>(settings)
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none",
            ["Database:MigrateOnStartup"] = "false",
        }, "--urls", $"http://127.0.0.1:{Ports.Free()}");
}
