using System.Security.Cryptography;
using System.Threading.Channels;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Auth;

/// <summary>
/// Every statement on <c>account_requests</c>: "mail me a reset link" and "mail me the verification link again", by
/// address. The request is one insert whatever the address, so neither its answer nor its statements nor its timing say
/// whether an account exists; <see cref="AccountRequestWorker"/> answers it in the background. The address is stored
/// encrypted: people type passwords into email fields.
/// </summary>
public sealed class AccountRequestStore(
    NpgsqlDataSource dataSource, TimeProvider time, IDataProtectionProvider protection, IOptions<AccountMailOptions> options)
{
    private readonly IDataProtector _protector = protection.CreateProtector("account-requests.email");
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Signalled after every request this instance takes, so its worker answers at once instead of at the next poll.</summary>
    internal ChannelReader<bool> Wake => _wake.Reader;

    public async Task EnqueueAsync(TokenPurpose purpose, string email)
    {
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO account_requests (purpose, email_protected, requested_at)
                SELECT @purpose, @email, @now
                WHERE (SELECT count(*) FROM account_requests) < @max
                """,
                new { purpose = AccountTokenStore.Stored(purpose), email = _protector.Protect(email), now = time.GetUtcNow().UtcDateTime, max = options.Value.MaxPendingRequests });
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Takes up to <paramref name="limit"/> requests in the caller's transaction: they are deleted when it commits, and
    /// come back to be answered again if it rolls back. Requests another instance is answering are skipped, not waited for.
    /// </summary>
    public async Task<IReadOnlyList<AccountRequest>> TakeAsync(NpgsqlTransaction transaction, int limit)
    {
        var rows = await transaction.Connection!.QueryAsync<(string Purpose, string EmailProtected)>("""
            DELETE FROM account_requests WHERE id IN (
                SELECT id FROM account_requests ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING purpose, email_protected
            """, new { limit }, transaction);
        return rows.Select(row => new AccountRequest(
            row.Purpose == AccountTokenStore.Stored(TokenPurpose.PasswordReset) ? TokenPurpose.PasswordReset : TokenPurpose.EmailVerification,
            Unprotect(row.EmailProtected))).ToList();
    }

    // An address the key ring can no longer decrypt (its key was deleted) is no address: the request is dropped.
    private string? Unprotect(string protectedEmail)
    {
        try
        {
            return _protector.Unprotect(protectedEmail);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>A request taken from the queue; <see cref="Email"/> is null when it could not be decrypted.</summary>
public sealed record AccountRequest(TokenPurpose Purpose, string? Email);

/// <summary>
/// Answers queued account requests: a reset link for an active account, a verification link for an unverified one,
/// nothing otherwise, and nothing when the account was mailed the same kind of link within
/// <see cref="AccountMailOptions.PerAccountInterval"/> (the silent per-address limit). Each batch is one transaction: the
/// requests are deleted, the tokens issued and the mails enqueued together, so a crash loses or doubles nothing.
/// Woken by requests taken on this instance, and polls every few seconds for those taken on others.
/// </summary>
public sealed partial class AccountRequestWorker(
    NpgsqlDataSource dataSource, AccountRequestStore store, AccountMails mails, ILogger<AccountRequestWorker> logger) : BackgroundService
{
    private const int BatchSize = 20;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await AnswerBatchAsync(stoppingToken) == BatchSize)
                {
                }
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                poll.CancelAfter(PollInterval);
                await store.Wake.ReadAsync(poll.Token);
            }
            catch (OperationCanceledException)
            {
                // A poll interval passed without a wake-up, or the host is stopping; the loop condition tells which.
            }
            catch (Exception e)
            {
                // The database is away, most likely. Whatever it is, a background service that throws stops the host.
                LogFailed(e);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Answers one batch of requests; returns how many were taken.</summary>
    internal async Task<int> AnswerBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var requests = await store.TakeAsync(transaction, BatchSize);
        foreach (var request in requests)
        {
            if (request.Email is not { } email)
            {
                continue;
            }
            await transaction.SaveAsync("request", cancellationToken);
            try
            {
                await mails.SendForRequestAsync(transaction, request.Purpose, email);
            }
            catch (Exception e) when (e is not (NpgsqlException or OperationCanceledException))
            {
                // One request that cannot be answered is dropped, not retried forever ahead of the others.
                await transaction.RollbackAsync("request", cancellationToken);
                LogDropped(e);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return requests.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answering account requests failed; retrying shortly.")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "An account request could not be answered and was dropped.")]
    private partial void LogDropped(Exception exception);
}
