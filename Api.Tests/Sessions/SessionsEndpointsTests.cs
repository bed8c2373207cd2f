using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;

namespace Api.Tests.Sessions;

public sealed class SessionsEndpointsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Listing_shows_the_callers_live_sessions_and_marks_the_current_one()
    {
        var user = await api.Factory.CreateUserAsync();
        var other = await api.Factory.CreateUserAsync();
        var laptop = await _client.LoginAsync(user);
        var phone = await _client.LoginAsync(user);
        await _client.LoginAsync(other);

        using var response = await _client.GetWithSessionAsync("/sessions", phone);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sessions = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.Single(sessions, s => s.GetProperty("current").GetBoolean());
        Assert.Equal(["id", "createdAt", "lastSeenAt", "expiresAt", "userAgent", "ip", "current"], sessions[0].EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(laptop, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_another_of_my_sessions_ends_it_and_keeps_mine()
    {
        var user = await api.Factory.CreateUserAsync();
        var laptop = await _client.LoginAsync(user);
        var phone = await _client.LoginAsync(user);
        var laptopId = await SessionIdAsync(laptop);

        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{laptopId}", $"__Host-sid={phone}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Empty(ApiClient.SetCookieHeaders(revoke));
        await _client.AssertSessionDeadAsync(laptop);
        await _client.AssertSessionAliveAsync(phone);
    }

    [Fact]
    public async Task Revoking_someone_elses_session_is_404_and_leaves_it_alive()
    {
        var victim = await api.Factory.CreateUserAsync();
        var attacker = await api.Factory.CreateUserAsync();
        var victimToken = await _client.LoginAsync(victim);
        var attackerToken = await _client.LoginAsync(attacker);
        var victimSessionId = await SessionIdAsync(victimToken);

        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{victimSessionId}", $"__Host-sid={attackerToken}");
        using var unknown = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{Guid.NewGuid()}", $"__Host-sid={attackerToken}");

        await revoke.AssertProblemAsync(HttpStatusCode.NotFound);
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
        await _client.AssertSessionAliveAsync(victimToken);
    }

    [Fact]
    public async Task Revoking_the_current_session_logs_out_and_expires_the_cookie()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var id = await SessionIdAsync(token);

        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{id}", $"__Host-sid={token}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Contains(ApiClient.SetCookieHeaders(revoke), h => h.StartsWith("__Host-sid=;", StringComparison.Ordinal));
        await _client.AssertSessionDeadAsync(token);
    }

    [Fact]
    public async Task Revoking_all_others_keeps_only_the_current_session()
    {
        var user = await api.Factory.CreateUserAsync();
        var others = new[] { await _client.LoginAsync(user), await _client.LoginAsync(user), await _client.LoginAsync(user) };
        var current = await _client.LoginAsync(user);

        using var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, "/sessions", $"__Host-sid={current}");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(3, (await revoke.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revoked").GetInt32());
        foreach (var token in others)
        {
            await _client.AssertSessionDeadAsync(token);
        }
        await _client.AssertSessionAliveAsync(current);
    }

    [Fact]
    public async Task A_session_id_that_is_not_a_guid_is_404_problem()
    {
        var user = await api.Factory.CreateUserAsync();
        var token = await _client.LoginAsync(user);

        using var response = await _client.SendWithCookieAsync(HttpMethod.Delete, "/sessions/not-a-guid", $"__Host-sid={token}");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private async Task<Guid> SessionIdAsync(string token)
    {
        using var response = await _client.GetWithSessionAsync("/sessions", token);
        var sessions = await response.Content.ReadFromJsonAsync<JsonElement>();
        return sessions.EnumerateArray().Single(s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
    }
}
