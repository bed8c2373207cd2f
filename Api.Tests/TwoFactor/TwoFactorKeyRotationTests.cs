using System.Net;
using Api.Infrastructure;
using Api.Tests.Infrastructure;

namespace Api.Tests.TwoFactor;

/// <summary>
/// Shared keys outlive key ring keys: after a certificate rotation, reprotect-two-factor-keys moves them under a key the
/// new certificate protects, so the old certificate can be retired without locking anyone out.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TwoFactorKeyRotationTests : IAsyncLifetime
{
    private readonly KeyRingLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync();

    [Fact]
    public async Task After_reprotecting_the_keys_the_old_certificate_can_go_and_codes_still_work()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        var first = await _lab.NewCertificateAsync("first.pfx");
        var second = await _lab.NewCertificateAsync("second.pfx");

        var before = _lab.Instance(database, new() { ["DataProtection:CertificatePath"] = first });
        var client = before.CreateBareClient();
        var user = await before.CreateUserAsync();
        var (app, _) = await client.EnableTwoFactorAsync(before, await client.LoginAsync(user), user);

        // Without the old certificate the key cannot be read: this is what retiring it too early does.
        var tooEarly = _lab.Instance(database, new() { ["DataProtection:CertificatePath"] = second });
        tooEarly.Clock.Set(before.Clock.GetUtcNow());
        using (var refused = await tooEarly.CreateBareClient().LoginWithSecondFactorAsync(user, code: app.Code()))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.TwoFactorInvalid);
        }

        var (exitCode, output) = await ApiCommand.RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["DataProtection:CertificatePath"] = second,
            ["DataProtection:DecryptionCertificatePaths"] = first,
        }, "reprotect-two-factor-keys");
        Assert.True(exitCode == 0, output);
        Assert.Contains("Re-encrypted 1 two-factor keys", output, StringComparison.Ordinal);

        var after = _lab.Instance(database, new() { ["DataProtection:CertificatePath"] = second });
        after.Clock.Set(before.Clock.GetUtcNow());
        using var login = await after.CreateBareClient().LoginWithSecondFactorAsync(user, code: app.Code());
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }
}
