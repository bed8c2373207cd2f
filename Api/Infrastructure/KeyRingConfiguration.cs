using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Infrastructure;

/// <summary>
/// ASP.NET Core Data Protection with one key ring for all instances, kept in PostgreSQL. Features take an
/// <see cref="IDataProtector"/> for a purpose of their own from <see cref="IDataProtectionProvider"/>.
/// </summary>
public static class KeyRingConfiguration
{
    /// <summary>Part of every key's derivation: instances that disagreed on it could not read each other's data.</summary>
    public const string ApplicationName = "session-auth-api";

    public static WebApplicationBuilder AddKeyRing(this WebApplicationBuilder builder)
    {
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddSingleton<PostgresXmlRepository>();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<PostgresXmlRepository>((options, repository) => options.XmlRepository = repository);
        // Read here, not through IOptions: Data Protection takes its certificates when it is set up. A bad setting
        // stops the start, naming it, as every other setting does.
        var settings = builder.Configuration.GetSection(KeyRingOptions.SectionName).Get<KeyRingOptions>() ?? new KeyRingOptions();
        settings.DecryptionCertificatePaths =
            ListSetting.Read(builder.Configuration, $"{KeyRingOptions.SectionName}:{nameof(KeyRingOptions.DecryptionCertificatePaths)}");
        if (settings.Validate(new ValidationContext(settings)).Select(result => result.ErrorMessage!).ToList() is { Count: > 0 } problems)
        {
            throw new OptionsValidationException(KeyRingOptions.SectionName, typeof(KeyRingOptions), problems);
        }
        // Keys are stored encrypted to the certificate, so the database alone (a dump, a replica) reveals none.
        if (settings.Certificate() is { } certificate)
        {
            dataProtection.ProtectKeysWithCertificate(certificate);
        }
        dataProtection.UnprotectKeysWithAnyCertificate([.. settings.DecryptionCertificates()]);
        builder.Services.AddSingleton<ICliCommand, KeyRingCertificateCommand>();
        builder.Services.AddHostedService<KeyRingWarmUp>();
        return builder;
    }
}

/// <summary>
/// The certificate that protects the key ring at rest: its public key encrypts every new key, its private key decrypts
/// them. Kept outside the database (a file, mounted from a secret store), so a dump of the database alone reveals no
/// key. Rotation: make a new certificate, set it as <see cref="CertificatePath"/>, move the old one to
/// <see cref="DecryptionCertificatePaths"/> (keys it encrypted stay readable), and drop it once those keys have expired.
/// </summary>
public sealed class KeyRingOptions : IValidatableObject
{
    public const string SectionName = "DataProtection";

    /// <summary>A PKCS#12 (.pfx) file with the certificate and its private key; unset, keys are stored unencrypted.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The .pfx file's password, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Earlier certificates, only to read keys they encrypted (same password). An array or a comma-separated string.</summary>
    public string[] DecryptionCertificatePaths { get; set; } = [];

    internal X509Certificate2? Certificate() => CertificatePath is { Length: > 0 } path ? Load(path) : null;

    internal IEnumerable<X509Certificate2> DecryptionCertificates() =>
        new[] { CertificatePath }.Concat(DecryptionCertificatePaths).OfType<string>().Where(p => p.Length > 0).Select(Load);

    private X509Certificate2 Load(string path) => X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, path) in new[] { ($"{SectionName}:CertificatePath", CertificatePath) }
            .Concat(DecryptionCertificatePaths.Select(p => ($"{SectionName}:DecryptionCertificatePaths", (string?)p))))
        {
            if (path is not { Length: > 0 })
            {
                continue;
            }
            string? problem;
            try
            {
                using var certificate = Load(path);
                problem = certificate.HasPrivateKey && certificate.GetRSAPublicKey() is not null ? null : "has no RSA private key";
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                problem = $"cannot be read ({e.Message})";
            }
            if (problem is not null)
            {
                yield return new ValidationResult($"{name}: '{path}' {problem}.");
            }
        }
    }
}

/// <summary>
/// <c>keyring-certificate PATH</c>: writes a new self-signed certificate for <see cref="KeyRingOptions.CertificatePath"/>
/// as a .pfx readable by its owner alone. ./run.sh makes one under .data/ for development.
/// </summary>
internal sealed class KeyRingCertificateCommand : ICliCommand
{
    public string Name => "keyring-certificate";

    public async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output, TextWriter errors)
    {
        if (args is not [var path])
        {
            await errors.WriteLineAsync("usage: keyring-certificate PATH (a new .pfx file)");
            return 2;
        }
        using var key = RSA.Create(3072);
        var request = new CertificateRequest($"CN={KeyRingConfiguration.ApplicationName} key ring", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var file = new FileStream(path, options))
        {
            await file.WriteAsync(certificate.Export(X509ContentType.Pkcs12));
        }
        await output.WriteLineAsync($"Wrote {path}: set DataProtection__CertificatePath to it.");
        return 0;
    }
}

/// <summary>
/// Loads the key ring before the API serves, making its first key if there is none, one instance at a time. The key
/// manager makes a missing key on first use and caches the ring for a day; two instances doing that at the same moment
/// would each make a key of their own, and each could then not read the other's data until its next refresh. Runs
/// after the migrations (it is registered after them). Failing here is not fatal: the ring is then loaded on first use.
/// </summary>
internal sealed partial class KeyRingWarmUp(NpgsqlDataSource dataSource, IDataProtectionProvider protection, ILogger<KeyRingWarmUp> logger)
    : IHostedLifecycleService
{
    // Arbitrary but fixed, and not the migrator's: every instance of this API must contend for the same lock.
    private const long AdvisoryLockKey = 7_310_564_220_117_403_502;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@AdvisoryLockKey)", new { AdvisoryLockKey }, transaction);
            // Protecting anything loads the ring, and makes and stores the first key when the table has none.
            protection.CreateProtector("Api.Infrastructure.KeyRingWarmUp").Protect([]);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWarmUpFailed(e);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the Data Protection key ring at startup; it will be loaded on first use")]
    private partial void LogWarmUpFailed(Exception exception);
}
