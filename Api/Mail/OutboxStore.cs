using Dapper;
using Npgsql;

namespace Api.Mail;

/// <summary>A mail as the outbox keeps it while it waits: the bodies are Data Protection ciphertext.</summary>
internal sealed record ProtectedMail(string MessageId, string Recipient, string Subject, string TextBody, string HtmlBody);

/// <summary>A mail this instance has leased: it alone sends it until the lease ends.</summary>
internal sealed class LeasedMail
{
    public required long Id { get; init; }
    public required string MessageId { get; init; }
    public required string Recipient { get; init; }
    public required string Subject { get; init; }
    public required string TextBody { get; init; }
    public required string HtmlBody { get; init; }
    public required DateTime CreatedAt { get; init; }

    /// <summary>This attempt's number, counting it: also the lease's token.</summary>
    public required int Attempts { get; init; }

    public required int PermanentFailures { get; init; }
}

/// <summary>Every statement on mail_outbox.</summary>
internal sealed class OutboxStore(NpgsqlDataSource dataSource)
{
    /// <summary>The channel a committed enqueue notifies and the dispatcher listens on.</summary>
    public const string Channel = "mail_outbox";

    /// <summary>
    /// Queues the mail in the caller's transaction, and notifies the dispatchers in the same statement. PostgreSQL
    /// delivers the notification only when the transaction commits, and not at all when it rolls back, so no dispatcher
    /// wakes for a mail it cannot see yet; notifications of one transaction are folded into one.
    /// </summary>
    public static Task InsertAsync(NpgsqlTransaction transaction, ProtectedMail mail, DateTime now) =>
        transaction.Connection!.ExecuteAsync("""
            WITH queued AS (
                INSERT INTO mail_outbox (message_id, recipient, subject, text_body, html_body, created_at, next_attempt_at)
                VALUES (@MessageId, @Recipient, @Subject, @TextBody, @HtmlBody, @now, @now)
                RETURNING id)
            SELECT pg_notify(@channel, '') FROM queued
            """, new { mail.MessageId, mail.Recipient, mail.Subject, mail.TextBody, mail.HtmlBody, now, channel = Channel }, transaction);

    /// <summary>
    /// Takes the mail due longest, if any, until <paramref name="leasedUntil"/>, and counts the attempt, in one
    /// statement that commits at once: no transaction stays open while the mail is sent. SKIP LOCKED passes over a row
    /// another instance is leasing at this moment; a row it has leased is not due again until its lease ends.
    /// </summary>
    public async Task<LeasedMail?> LeaseNextDueAsync(DateTime now, DateTime leasedUntil, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<LeasedMail>(new CommandDefinition("""
            UPDATE mail_outbox SET leased_until = @leasedUntil, attempts = attempts + 1
            WHERE id = (
                SELECT id FROM mail_outbox
                WHERE sent_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= @now
                  AND (leased_until IS NULL OR leased_until <= @now)
                ORDER BY next_attempt_at
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING id, message_id, recipient, subject, text_body, html_body, created_at, attempts, permanent_failures
            """, new { now, leasedUntil }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Records the delivery and blanks the bodies. Whoever sent it, the mail is sent: this holds even when this
    /// instance's lease had run out and another instance took the row meanwhile.
    /// </summary>
    public async Task MarkSentAsync(long id, DateTime now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            UPDATE mail_outbox SET sent_at = @now, leased_until = NULL, text_body = NULL, html_body = NULL
            WHERE id = @id AND sent_at IS NULL AND given_up_at IS NULL
            """, new { id, now });
    }

    /// <summary>Ends this attempt's lease and sets the next attempt, unless another instance has taken the row since.</summary>
    public async Task RetryLaterAsync(long id, int attempt, DateTime nextAttemptAt, bool permanentFailure)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            UPDATE mail_outbox
            SET leased_until = NULL, next_attempt_at = @nextAttemptAt,
                permanent_failures = permanent_failures + CASE WHEN @permanentFailure THEN 1 ELSE 0 END
            WHERE id = @id AND attempts = @attempt AND sent_at IS NULL AND given_up_at IS NULL
            """, new { id, attempt, nextAttemptAt, permanentFailure });
    }

    /// <summary>Records the last permanent failure and blanks the bodies: the mail will not be sent.</summary>
    public async Task GiveUpAsync(long id, int attempt, DateTime now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            UPDATE mail_outbox
            SET given_up_at = @now, leased_until = NULL, permanent_failures = permanent_failures + 1, text_body = NULL, html_body = NULL
            WHERE id = @id AND attempts = @attempt AND sent_at IS NULL AND given_up_at IS NULL
            """, new { id, attempt, now });
    }

    /// <summary>
    /// Deletes up to one batch of mails sent or given up before <paramref name="finishedBefore"/>, oldest first. SKIP
    /// LOCKED lets several instances clean at once without waiting on each other.
    /// </summary>
    public async Task<int> DeleteFinishedBatchAsync(DateTime finishedBefore, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM mail_outbox WHERE id IN (
                SELECT id FROM mail_outbox
                WHERE COALESCE(sent_at, given_up_at) <= @finishedBefore
                ORDER BY COALESCE(sent_at, given_up_at)
                LIMIT @batchSize
                FOR UPDATE SKIP LOCKED)
            """, new { finishedBefore, batchSize }, cancellationToken: cancellationToken));
    }
}
