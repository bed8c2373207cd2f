using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Api.Tests.TwoFactor;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Api.Tests.Reliability;

/// <summary>
/// Issue 21's promise, measured: three instances on one database, each serving the victim's session from its cache, and
/// every kind of revocation made on one of them is refused by the other two within 100 ms at p99. Only the notification
/// can do that: the others never see the request, and a read they answered without their cache would not count.
/// </summary>
[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
public sealed class RevocationLatencyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rounds = 11;
    private static readonly TimeSpan Promise = TimeSpan.FromMilliseconds(100);
    private readonly TestSmtpServer _smtp = new();
    private readonly List<Instance> _instances = [];

    private sealed record Instance(ApiFactory Api, HttpClient Client, SessionCache Cache);

    /// <summary>A revocation of one kind: made on one instance, it must end <c>Victim</c> everywhere.</summary>
    private sealed record Revocation(string Kind, string Victim, Func<Task> Revoke);

    public async Task InitializeAsync()
    {
        _smtp.Start();
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        var settings = MailTesting.SmtpSettings(_smtp);
        settings["Session:Cache:Enabled"] = "true";
        // The test's own cleanup runs are the only ones.
        settings["Session:CleanupInterval"] = "01:00:00";
        for (var i = 0; i < 3; i++)
        {
            var api = new ApiFactory(database, settings);
            _instances.Add(new Instance(api, api.CreateBareClient(), api.Services.GetRequiredService<SessionCache>()));
        }
        foreach (var instance in _instances)
        {
            await MailTesting.EventuallyAsync(() => instance.Cache.IsServing, "the instance's listener hears its heartbeat");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            instance.Client.Dispose();
            await instance.Api.DisposeAsync();
        }
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Every_kind_of_revocation_on_one_instance_is_refused_on_the_other_two_within_100_ms_at_p99()
    {
        var kinds = new Func<Instance, Task<Revocation>>[]
        {
            LogoutAsync, RevokeOneAsync, RevokeOthersAsync, PasswordChangeAsync, PasswordResetAsync, TwoFactorChangeAsync,
            RoleChangeAsync, DisableAsync, ForcedLogoutAsync, ExpiredCleanupAsync,
        };
        var samples = new List<(string Kind, TimeSpan Latency, TimeSpan AfterAnswer)>();

        for (var round = 0; round < Rounds; round++)
        {
            foreach (var (kind, k) in kinds.Select((kind, k) => (kind, k)))
            {
                var actor = _instances[(round + k) % 3];
                var others = _instances.Where(i => i != actor).ToList();
                var revocation = await kind(actor);
                foreach (var other in others)
                {
                    // Cached, or the sample would prove nothing.
                    await other.Client.CacheSessionAsync(other.Cache, revocation.Victim);
                }

                var started = Stopwatch.GetTimestamp();
                await revocation.Revoke();
                var answer = Stopwatch.GetElapsedTime(started);
                var latencies = await Task.WhenAll(others.Select(other => RefusedAfterAsync(other, revocation, started)));
                samples.AddRange(latencies.Select(latency => (revocation.Kind, latency, latency - answer)));
            }
        }

        var sorted = samples.Select(s => s.Latency).Order().ToList();
        var p50 = Percentile(sorted, 0.50);
        var p99 = Percentile(sorted, 0.99);
        var afterAnswer = samples.Select(s => s.AfterAnswer).Order().ToList();
        output.WriteLine($"{samples.Count} samples from {Rounds * kinds.Length} revocations, from sending the revoking request: "
            + $"p50 {Ms(p50)}, p99 {Ms(p99)}, max {Ms(sorted[^1])}; from its answer: p50 {Ms(Percentile(afterAnswer, 0.50))}, "
            + $"p99 {Ms(Percentile(afterAnswer, 0.99))}, max {Ms(afterAnswer[^1])}");
        foreach (var kind in samples.GroupBy(s => s.Kind))
        {
            output.WriteLine($"  {kind.Key}: max {Ms(kind.Max(s => s.Latency))} from sending, {Ms(kind.Max(s => s.AfterAnswer))} from the answer");
        }
        Assert.True(samples.Count >= 200);
        Assert.True(p99 <= Promise, $"p99 {Ms(p99)} is over {Ms(Promise)}");
    }

    /// <summary>
    /// Reads the victim's profile on <paramref name="other"/> until it is refused with the entry gone from the cache, and
    /// returns the time from the start of the revocation to then. A 401 with the entry still there was read past the
    /// cache (bypassed while a heartbeat was late) and says nothing about the notification: the wait goes on.
    /// </summary>
    private static async Task<TimeSpan> RefusedAfterAsync(Instance other, Revocation revocation, long started)
    {
        while (true)
        {
            using var response = await other.Client.GetWithSessionAsync("/profile", revocation.Victim);
            var refused = response.StatusCode == HttpStatusCode.Unauthorized;
            if (!refused)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            var evicted = !other.Cache.Holds(SecretToken.Hash(revocation.Victim));
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (refused && evicted)
            {
                return elapsed;
            }
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"{revocation.Kind}: still served or cached {Ms(elapsed)} after the revocation");
        }
    }

    private static async Task<Revocation> LogoutAsync(Instance actor)
    {
        var (_, victim) = await UserWithSessionAsync(actor);
        return new Revocation("logout", victim, () => ExpectAsync(actor.Client.SendWithCookieAsync(HttpMethod.Post, "/logout", Cookie(victim)), HttpStatusCode.NoContent));
    }

    private static async Task<Revocation> RevokeOneAsync(Instance actor)
    {
        var (user, victim) = await UserWithSessionAsync(actor);
        var own = await actor.Client.LoginAsync(user);
        var id = await SessionIdAsync(actor, victim);
        return new Revocation("DELETE /sessions/{id}", victim, () => ExpectAsync(actor.Client.SendWithCookieAsync(HttpMethod.Delete, $"/sessions/{id}", Cookie(own)), HttpStatusCode.NoContent));
    }

    private static async Task<Revocation> RevokeOthersAsync(Instance actor)
    {
        var (user, victim) = await UserWithSessionAsync(actor);
        var own = await actor.Client.LoginAsync(user);
        return new Revocation("DELETE /sessions", victim, () => ExpectAsync(actor.Client.SendWithCookieAsync(HttpMethod.Delete, "/sessions", Cookie(own)), HttpStatusCode.OK));
    }

    private static async Task<Revocation> PasswordChangeAsync(Instance actor)
    {
        var (user, victim) = await UserWithSessionAsync(actor);
        var own = await actor.Client.LoginAsync(user);
        return new Revocation("password change", victim, () => ExpectAsync(actor.Client.PostWithSessionAsync("/profile/password", own,
            new { currentPassword = user.Password, newPassword = "an entirely new password" }), HttpStatusCode.NoContent));
    }

    private async Task<Revocation> PasswordResetAsync(Instance actor)
    {
        var (user, victim) = await UserWithSessionAsync(actor);
        await ExpectAsync(actor.Client.PostAsJsonAsync("/password/forgot", new { email = user.Email }), HttpStatusCode.Accepted);
        await MailTesting.EventuallyAsync(() => _smtp.For(user.Email).Count == 1, "the reset mail arrives");
        var token = MailTesting.TokenIn(_smtp.For(user.Email).Single());
        return new Revocation("password reset", victim, () => ExpectAsync(actor.Client.PostAsJsonAsync("/password/reset",
            new { token, newPassword = "a brand new password" }), HttpStatusCode.NoContent));
    }

    /// <summary>Turning the second factor on ends the user's other sessions (the one that turned it on is rotated).</summary>
    private static async Task<Revocation> TwoFactorChangeAsync(Instance actor)
    {
        var (user, victim) = await UserWithSessionAsync(actor);
        var own = await actor.Client.LoginAsync(user);
        var app = await actor.Client.SetUpAsync(actor.Api, own, user);
        return new Revocation("second factor on", victim, () => ExpectAsync(actor.Client.PostWithSessionAsync("/profile/2fa/enable", own,
            new { code = app.Code() }), HttpStatusCode.OK));
    }

    private static Task<Revocation> RoleChangeAsync(Instance actor) =>
        AdminActionAsync(actor, "role change", Roles.Admin, (client, admin, user) =>
            client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", Cookie(admin), JsonContent.Create(new { role = Roles.User })));

    private static Task<Revocation> DisableAsync(Instance actor) =>
        AdminActionAsync(actor, "disabling", Roles.User, (client, admin, user) =>
            client.SendWithCookieAsync(HttpMethod.Patch, $"/admin/users/{user.Id}", Cookie(admin), JsonContent.Create(new { disabled = true })));

    private static Task<Revocation> ForcedLogoutAsync(Instance actor) =>
        AdminActionAsync(actor, "admin forced logout", Roles.User, (client, admin, user) =>
            client.SendWithCookieAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/sessions", Cookie(admin)));

    /// <summary>An admin acts on a user of the given role; each of these actions ends every session of the user.</summary>
    private static async Task<Revocation> AdminActionAsync(Instance actor, string kind, string role,
        Func<HttpClient, string, TestUser, Task<HttpResponseMessage>> action)
    {
        var admin = await actor.Api.CreateUserAsync(Roles.Admin);
        var adminToken = await actor.Client.LoginAsync(admin);
        var (user, victim) = await UserWithSessionAsync(actor, role);
        return new Revocation(kind, victim, async () =>
        {
            using var response = await action(actor.Client, adminToken, user);
            Assert.True(response.IsSuccessStatusCode, $"{kind}: {(int)response.StatusCode}");
        });
    }

    /// <summary>
    /// The cleanup on the acting instance, whose clock alone has passed the victim's expiry: to the other two the session
    /// is still live and cached, so only the cleanup's delete can end it there.
    /// </summary>
    private static async Task<Revocation> ExpiredCleanupAsync(Instance actor)
    {
        var (_, victim) = await UserWithSessionAsync(actor);
        var cleanup = actor.Api.Services.GetRequiredService<SessionCleanup>();
        return new Revocation("cleanup of an expired session", victim, async () =>
        {
            var now = actor.Api.Clock.GetUtcNow();
            actor.Api.Clock.Advance(TimeSpan.FromDays(31));
            try
            {
                Assert.True(await cleanup.RunOnceAsync(CancellationToken.None) >= 1);
            }
            finally
            {
                actor.Api.Clock.Set(now);
            }
        });
    }

    private static async Task<(TestUser User, string Token)> UserWithSessionAsync(Instance actor, string role = Roles.User)
    {
        var user = await actor.Api.CreateUserAsync(role);
        return (user, await actor.Client.LoginAsync(user));
    }

    private static async Task<Guid> SessionIdAsync(Instance instance, string token)
    {
        using var response = await instance.Client.GetWithSessionAsync("/sessions", token);
        var sessions = await response.Content.ReadFromJsonAsync<JsonElement>();
        return sessions.EnumerateArray().Single(s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> request, HttpStatusCode expected)
    {
        using var response = await request;
        Assert.Equal(expected, response.StatusCode);
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double p) =>
        sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Ms(TimeSpan value) => $"{value.TotalMilliseconds:F1} ms";

    private static string Cookie(string token) => $"{ApiClient.CookieName}={token}";
}
