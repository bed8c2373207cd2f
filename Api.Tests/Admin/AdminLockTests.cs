using System.Net;
using System.Net.Http.Json;
using Api.Admin;
using Api.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Api.Tests.Admin;

/// <summary>
/// Every admin mutation waits for the admin lock and then checks that its caller is still an active admin, so one that
/// raced a demotion is refused. The test plays the demotion: it holds the lock, lets the request queue behind it,
/// demotes the caller and commits.
/// </summary>
public sealed class AdminLockTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    public static TheoryData<string, string> Mutations => new()
    {
        { "create", "demote" }, { "revoke", "demote" }, { "update", "demote" },
        { "create", "revoke the session" }, { "update", "revoke the session" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public async Task An_admin_demoted_or_logged_out_while_their_request_was_in_flight_is_refused_and_nothing_changes(string mutation, string meanwhile)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var adminToken = await _client.LoginAsync(admin);
        var victim = await api.Factory.CreateUserAsync();
        var victimToken = await _client.LoginAsync(victim);
        var newEmail = $"raced-{Guid.NewGuid():N}@example.com";

        await using var demotion = new NpgsqlConnection(api.Factory.ConnectionString);
        await demotion.OpenAsync();
        await using var transaction = await demotion.BeginTransactionAsync();
        await demotion.ExecuteAsync("SELECT pg_advisory_xact_lock(@Key)", new { Key = AdminLock.Key }, transaction);

        var request = mutation switch
        {
            "create" => Send(HttpMethod.Post, "/admin/users", adminToken, new { email = newEmail, name = "Raced", role = "admin", password = "made in a race" }),
            "revoke" => Send(HttpMethod.Delete, $"/admin/users/{victim.Id}/sessions", adminToken, body: null),
            _ => Send(HttpMethod.Patch, $"/admin/users/{victim.Id}", adminToken, new { role = "admin" }),
        };
        await WaitForLockWaiterOrCompletionAsync(request);
        await demotion.ExecuteAsync(meanwhile == "demote" ? "UPDATE users SET role = 'user' WHERE id = @Id" : "DELETE FROM sessions WHERE user_id = @Id",
            new { admin.Id }, transaction);
        await transaction.CommitAsync();

        using var response = await request;
        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM users WHERE email = @newEmail", new { newEmail }));
        Assert.Equal("user", await api.Factory.ScalarSqlAsync<string>("SELECT role FROM users WHERE id = @Id", new { victim.Id }));
        await _client.AssertSessionAliveAsync(victimToken);
    }

    private async Task WaitForLockWaiterOrCompletionAsync(Task request)
    {
        for (var i = 0; i < 500 && !request.IsCompleted; i++)
        {
            var waiting = await api.Factory.ScalarSqlAsync<bool>("""
                SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
                """);
            if (waiting)
            {
                return;
            }
            await Task.Delay(10);
        }
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body) =>
        _client.SendWithCookieAsync(method, path, $"{ApiClient.CookieName}={token}", body is null ? null : JsonContent.Create(body));
}
