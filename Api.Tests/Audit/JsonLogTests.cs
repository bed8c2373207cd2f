using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;

namespace Api.Tests.Audit;

public sealed class JsonLogTests
{
    [Fact]
    public async Task With_the_json_console_formatter_a_failed_login_is_one_json_line_with_its_event_id_and_user()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        await using var api = ApiProcess.Start(database, new Dictionary<string, string> { ["Logging:Console:FormatterName"] = "json" });
        await api.WaitUntilLiveAsync();
        using var client = api.CreateClient();

        using (await client.PostAsJsonAsync("/login", new { email = "nobody-json@example.com", password = "a password" })) { }

        JsonElement? line = null;
        await MailTesting.EventuallyAsync(() =>
        {
            line = api.Output.Select(TryParse).FirstOrDefault(json => json?.GetProperty("EventId").GetInt32() == 2002);
            return line is not null;
        }, "the login_failed line (event 2002) is written");
        var entry = line!.Value;
        Assert.Equal("Warning", entry.GetProperty("LogLevel").GetString());
        Assert.Equal("Api.Audit.AuditLog", entry.GetProperty("Category").GetString());
        Assert.Equal("reason=unknown_email", entry.GetProperty("State").GetProperty("Detail").GetString());
        Assert.DoesNotContain(api.Output, output => output.Contains("nobody-json", StringComparison.Ordinal));
    }

    private static JsonElement? TryParse(string line)
    {
        try
        {
            var json = JsonDocument.Parse(line).RootElement;
            return json.ValueKind == JsonValueKind.Object && json.TryGetProperty("EventId", out _) ? json : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
