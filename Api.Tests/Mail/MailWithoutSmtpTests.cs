using System.Net;
using Api.Mail;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Mail;

/// <summary>No Email:Smtp:Host: the API as every deployment without mail runs it. The cleanup timer never fires here.</summary>
public sealed class NoSmtpFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Email:CleanupBatchSize"] = "5",
        ["Email:CleanupInterval"] = "01:00:00",
    };
}

public sealed class MailWithoutSmtpTests(NoSmtpFixture api) : IClassFixture<NoSmtpFixture>
{
    [Fact]
    public async Task Without_an_smtp_host_the_api_starts_warns_once_and_keeps_mails_waiting()
    {
        var mail = MailTesting.NewMail().Mail;

        await api.Factory.EnqueueAsync(mail);

        using var ready = await api.Factory.CreateBareClient().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Single(api.Factory.Logs, line => line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("Email:Smtp:Host is not set: mails wait in the outbox", StringComparison.Ordinal));
        var row = await api.Factory.OutboxRowAsync(mail.To);
        Assert.NotNull(row);
        Assert.Equal(0, row.Attempts);
        Assert.Null(row.SentAt);
    }

    [Fact]
    public async Task A_waiting_mail_has_its_bodies_encrypted_in_the_table_and_only_the_key_ring_reads_them()
    {
        var (mail, secret) = MailTesting.NewMail();

        await api.Factory.EnqueueAsync(mail);

        var row = (await api.Factory.OutboxRowAsync(mail.To))!;
        Assert.Equal(mail.To, row.Recipient);
        Assert.Equal(mail.Subject, row.Subject);
        foreach (var stored in new[] { row.TextBody!, row.HtmlBody! })
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
            Assert.DoesNotContain("reset", stored, StringComparison.OrdinalIgnoreCase);
            // Data Protection's payload: its magic header and key id, base64url.
            Assert.StartsWith("CfDJ8", stored, StringComparison.Ordinal);
        }
        var bodies = api.Factory.Services.GetRequiredService<MailBodyProtector>();
        Assert.Equal(mail.TextBody, bodies.Unprotect(row.TextBody!));
        Assert.Equal(mail.HtmlBody, bodies.Unprotect(row.HtmlBody!));
        Assert.NotEqual(row.TextBody, (await EnqueueAndReadAsync(mail with { To = $"again-{Guid.NewGuid():N}@example.com" })).TextBody);
    }

    [Fact]
    public async Task Another_instance_on_the_same_database_reads_the_bodies_with_the_shared_key_ring()
    {
        var mail = MailTesting.NewMail().Mail;
        await api.Factory.EnqueueAsync(mail);
        await using var other = new ApiFactory(api.Factory.ConnectionString);

        var row = (await api.Factory.OutboxRowAsync(mail.To))!;

        Assert.Equal(mail.HtmlBody, other.Services.GetRequiredService<MailBodyProtector>().Unprotect(row.HtmlBody!));
        Assert.Equal(1, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM data_protection_keys WHERE friendly_name LIKE 'key-%'"));
    }

    [Fact]
    public async Task Cleanup_deletes_sent_and_given_up_mails_past_the_retention_in_batches_and_keeps_the_rest()
    {
        var now = api.Factory.Clock.GetUtcNow().UtcDateTime;
        var tag = $"cleanup-{Guid.NewGuid():N}";
        await InsertFinishedAsync(tag + "-old-sent", 12, sentAt: now.AddDays(-8));
        await InsertFinishedAsync(tag + "-old-given-up", 3, givenUpAt: now.AddDays(-7).AddSeconds(-1));
        await InsertFinishedAsync(tag + "-recent-sent", 2, sentAt: now.AddDays(-6));
        var waiting = MailTesting.NewMail(tag + "-waiting").Mail;
        await api.Factory.EnqueueAsync(waiting);
        var cleanup = api.Factory.Services.GetRequiredService<MailCleanup>();

        var deleted = await cleanup.RunOnceAsync(CancellationToken.None);

        Assert.Equal(15, deleted);
        Assert.Empty(await api.Factory.OutboxRowsAsync(tag + "-old"));
        Assert.Equal(2, (await api.Factory.OutboxRowsAsync(tag + "-recent-sent")).Count);
        Assert.NotNull(await api.Factory.OutboxRowAsync(waiting.To));
    }

    private async Task<OutboxRow> EnqueueAndReadAsync(OutgoingMail mail)
    {
        await api.Factory.EnqueueAsync(mail);
        return (await api.Factory.OutboxRowAsync(mail.To))!;
    }

    private async Task InsertFinishedAsync(string recipientPrefix, int count, DateTime? sentAt = null, DateTime? givenUpAt = null) =>
        await api.Factory.ExecuteSqlAsync("""
            INSERT INTO mail_outbox (message_id, recipient, subject, created_at, next_attempt_at, attempts, sent_at, given_up_at)
            SELECT gen_random_uuid() || '@example.com', @recipientPrefix || '-' || i || '@example.com', 'Old mail',
                   COALESCE(@sentAt::timestamptz, @givenUpAt::timestamptz), COALESCE(@sentAt::timestamptz, @givenUpAt::timestamptz), 1,
                   @sentAt::timestamptz, @givenUpAt::timestamptz
            FROM generate_series(1, @count) AS i
            """, new { recipientPrefix, count, sentAt, givenUpAt });
}
