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

    [Fact]
    public async Task A_guarded_requests_log_lines_carry_the_user_and_session_in_their_scope()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        await using var api = ApiProcess.Start(database, new Dictionary<string, string>
        {
            ["Logging:Console:FormatterName"] = "json",
            ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
        });
        await api.WaitUntilLiveAsync();
        using var client = api.CreateClient();
        var (exitCode, output) = await ApiCommand.RunAsync(new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = database, ["CREATE_USER_PASSWORD"] = "a scoped password" },
            "create-user", "--email", "scoped@example.com", "--name", "Scoped");
        Assert.True(exitCode == 0, output);
        using var login = await client.PostAsJsonAsync("/login", new { email = "scoped@example.com", password = "a scoped password" });
        var cookie = ApiClient.SetCookieHeaders(login).Select(h => h.Split(';')[0]).First(h => h.StartsWith(ApiClient.CookieName + "=", StringComparison.Ordinal));
        var userId = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("id").GetInt64();

        using (await client.SendWithCookieAsync(HttpMethod.Delete, "/sessions", cookie)) { }

        JsonElement? line = null;
        await MailTesting.EventuallyAsync(() =>
        {
            line = api.Output.Select(TryParse).FirstOrDefault(json => json?.GetProperty("EventId").GetInt32() == 2006);
            return line is not null;
        }, "the other_sessions_revoked line (event 2006) is written");
        var scope = line!.Value.GetProperty("Scopes").EnumerateArray().Single(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("UserId", out _));
        Assert.Equal(userId, scope.GetProperty("UserId").GetInt64());
        Assert.True(Guid.TryParse(scope.GetProperty("SessionId").GetString(), out _));
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
