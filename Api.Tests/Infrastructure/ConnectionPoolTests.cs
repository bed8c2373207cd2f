using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Api.Tests.Infrastructure;

public sealed class ConnectionPoolTests
{
    [Theory]
    [InlineData("Host=127.0.0.1;Port=1;Database=none", null, 16)]
    [InlineData("Host=127.0.0.1;Port=1;Database=none", "7", 7)]
    [InlineData("Host=127.0.0.1;Port=1;Database=none;Maximum Pool Size=50", "7", 50)]
    [InlineData("Host=127.0.0.1;Port=1;Database=none;MaxPoolSize=3", null, 3)]
    public async Task The_pool_is_capped_at_Database_MaxPoolSize_unless_the_connection_string_says(
        string connectionString, string? setting, int expected)
    {
        var settings = new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" };
        if (setting is not null)
        {
            settings["Database:MaxPoolSize"] = setting;
        }
        await using var factory = new ApiFactory(connectionString, settings);

        var dataSource = factory.Services.GetRequiredService<NpgsqlDataSource>();

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize);
    }
}
