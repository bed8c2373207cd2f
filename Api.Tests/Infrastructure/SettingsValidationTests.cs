using Microsoft.Extensions.Options;

namespace Api.Tests.Infrastructure;

/// <summary>A misconfiguration stops the API at startup with a message naming the setting, instead of failing requests.</summary>
public sealed class SettingsValidationTests
{
    [Theory]
    [InlineData("Cors:AllowedOrigins:0", "*")]
    [InlineData("Cors:AllowedOrigins:0", "https://app.example.com/path")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "not-an-ip")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/99")]
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
        // No database is needed: validation runs before anything connects.
        await using var factory = new ApiFactory("Host=127.0.0.1;Port=1;Database=none", new Dictionary<string, string?>
        {
            [key] = value,
            ["Database:MigrateOnStartup"] = "false",
        });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        // The host may report the failure directly, wrapped, or among others (hosted services that read the same
        // options fail alike, and the host aggregates what they threw).
        var validation = Flatten(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, error.ToString());
        var setting = key.Split(':').Last(part => !int.TryParse(part, out _));
        Assert.Contains(setting, validation.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Flatten(Exception error) =>
        error is AggregateException aggregate
            ? aggregate.InnerExceptions.SelectMany(Flatten).Prepend(error)
            : error.InnerException is { } inner ? Flatten(inner).Prepend(error) : [error];
}
