using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Infrastructure;

/// <summary>The key ring is stored encrypted to a certificate kept outside the database, so a dump alone reveals no key.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KeyRingProtectionTests : IAsyncLifetime
{
    private readonly KeyRingLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync();

    [Fact]
    public async Task Keys_are_stored_encrypted_readable_only_with_the_certificate_and_an_old_certificate_still_reads_its_keys()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        var first = await _lab.NewCertificateAsync("first.pfx");
        var second = await _lab.NewCertificateAsync("second.pfx");
        var protectedByFirst = Protector(database, new() { ["DataProtection:CertificatePath"] = first }).Protect("a secret link");

        var xml = string.Join("\n", await TestSql.QuerySqlAsync<string>(database, "SELECT xml FROM data_protection_keys"));
        var withoutCertificate = Protector(database, []);
        var rotated = Protector(database, new() { ["DataProtection:CertificatePath"] = second, ["DataProtection:DecryptionCertificatePaths"] = first });

        Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        Assert.Throws<CryptographicException>(() => withoutCertificate.Unprotect(protectedByFirst));
        Assert.Equal("a secret link", rotated.Unprotect(protectedByFirst));
    }

    [Fact]
    public async Task The_certificate_command_writes_a_pfx_only_its_owner_can_read()
    {
        var path = await _lab.NewCertificateAsync("made.pfx");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(path, null);
        Assert.True(certificate.HasPrivateKey);
    }

    private IDataProtector Protector(string database, Dictionary<string, string?> settings) =>
        _lab.Instance(database, settings).Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
}
