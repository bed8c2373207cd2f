using Api.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Api.Tests.Infrastructure;

public sealed class ListSettingTests
{
    [Fact]
    public void A_comma_separated_string_is_split_trimmed_and_stripped_of_empty_items()
    {
        var configuration = Configuration(new() { ["Cors:AllowedOrigins"] = " https://a.example ,https://b.example,, " });

        Assert.Equal(["https://a.example", "https://b.example"], ListSetting.Read(configuration, "Cors:AllowedOrigins"));
    }

    [Fact]
    public void An_array_and_a_string_from_another_source_are_joined_and_repeats_kept_once()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://a.example", ["Cors:AllowedOrigins:1"] = "https://b.example" })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Cors:AllowedOrigins"] = "https://B.example,https://c.example" })
            .Build();

        Assert.Equal(["https://a.example", "https://b.example", "https://c.example"], ListSetting.Read(configuration, "Cors:AllowedOrigins"));
    }

    [Fact]
    public void A_missing_setting_and_an_empty_json_array_are_empty_lists()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream("""{ "Cors": { "AllowedOrigins": [] } }"""u8.ToArray()))
            .Build();

        Assert.Empty(ListSetting.Read(configuration, "Cors:AllowedOrigins"));
        Assert.Empty(ListSetting.Read(configuration, "Cors:AllowedHeaders"));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
