using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddSingleton<PostgresXmlRepository>();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<PostgresXmlRepository>((options, repository) => options.XmlRepository = repository);
        builder.Services.AddHostedService<KeyRingWarmUp>();
        return builder;
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
