using System.Diagnostics;
using Api.Mail;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Api.Tests.Mail;

/// <summary>The dispatcher looks at the outbox by itself only once an hour here: whatever is sent, a notification woke it for.</summary>
public sealed class NotifiedMailFixture : MailFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Email:PollInterval"] = "01:00:00",
    };
}

public sealed class MailDeliveryTests(NotifiedMailFixture fixture) : IClassFixture<NotifiedMailFixture>
{
    private readonly ApiFactory _api = fixture.Factory;
    private readonly TestSmtpServer _smtp = fixture.Smtp;

    [Fact]
    public async Task A_mail_enqueued_in_a_committed_transaction_is_delivered_with_its_stored_message_id_and_both_parts()
    {
        var (mail, secret) = MailTesting.NewMail();

        var started = Stopwatch.GetTimestamp();
        await _api.EnqueueAsync(mail);
        await MailTesting.EventuallyAsync(() => _smtp.For(mail.To).Count == 1, "the mail arrives");
        var latency = Stopwatch.GetElapsedTime(started);

        // Polling is hourly here: only the notification sent on commit can have woken the dispatcher this soon.
        Assert.True(latency < TimeSpan.FromSeconds(10), $"took {latency}");
        var message = _smtp.For(mail.To).Single();
        await MailTesting.EventuallyAsync(async () => (await _api.OutboxRowAsync(mail.To))?.SentAt is not null, "the mail is marked sent");
        var row = (await _api.OutboxRowAsync(mail.To))!;
        Assert.Equal(row.MessageId, message.MessageId);
        Assert.Equal("no-reply@example.com", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(mail.To, Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal(mail.Subject, message.Subject);
        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(part => part.ContentType.MimeType));
        Assert.Equal(mail.TextBody, message.TextBody!.TrimEnd());
        Assert.Equal(mail.HtmlBody, message.HtmlBody!.TrimEnd());
        Assert.Contains(secret, message.HtmlBody, StringComparison.Ordinal);
        // Sent once: the bodies, and with them the link, are gone from the table.
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.TextBody);
        Assert.Null(row.HtmlBody);
        Assert.Null(row.LeasedUntil);
    }

    [Fact]
    public async Task Every_mail_of_one_transaction_is_delivered_once_on_its_single_notification()
    {
        var mails = Enumerable.Range(0, 5).Select(_ => MailTesting.NewMail("batch").Mail).ToArray();

        await _api.EnqueueAsync(mails);

        await MailTesting.EventuallyAsync(() => mails.All(mail => _smtp.For(mail.To).Count > 0), "all five arrive");
        Assert.All(mails, mail => Assert.Single(_smtp.For(mail.To)));
        var ids = mails.Select(mail => _smtp.For(mail.To).Single().MessageId).ToList();
        Assert.Equal(5, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_mail_enqueued_in_a_rolled_back_transaction_is_never_sent_nor_kept()
    {
        var rolledBack = MailTesting.NewMail("rolled-back").Mail;
        var committed = MailTesting.NewMail("committed").Mail;

        await _api.EnqueueAsync(false, rolledBack);
        await _api.EnqueueAsync(committed);

        // The committed mail went out after the rolled-back one would have: waiting for it is waiting long enough.
        await MailTesting.EventuallyAsync(() => _smtp.For(committed.To).Count == 1, "the committed mail arrives");
        Assert.Empty(_smtp.For(rolledBack.To));
        Assert.Null(await _api.OutboxRowAsync(rolledBack.To));
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("a@example.com, b@example.com")]
    [InlineData("@example.com")]
    [InlineData("")]
    public async Task Enqueue_refuses_a_recipient_that_is_not_one_email_address(string to)
    {
        var mail = MailTesting.NewMail().Mail with { To = to };

        await Assert.ThrowsAsync<ArgumentException>(() => _api.EnqueueAsync(mail));
        Assert.Equal(0, await _api.ScalarSqlAsync<int>("SELECT count(*) FROM mail_outbox WHERE recipient = @to", new { to }));
    }

    [Fact]
    public void The_outbox_is_a_singleton()
    {
        Assert.Same(_api.Services.GetRequiredService<MailOutbox>(), _api.Services.GetRequiredService<MailOutbox>());
    }
}
