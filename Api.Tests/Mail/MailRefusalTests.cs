using Api.Tests.Infrastructure;
using SmtpServer.Protocol;

namespace Api.Tests.Mail;

public sealed class RefusalMailFixture : MailFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Email:RetryBaseDelay"] = "00:01:00",
        ["Email:RetryMaxDelay"] = "00:04:00",
        ["Email:MaxPermanentFailures"] = "3",
    };
}

/// <summary>The server answers the mail itself: "later" (4xx) is retried without limit, "never" (5xx) a few times.</summary>
public sealed class MailRefusalTests(RefusalMailFixture fixture) : IClassFixture<RefusalMailFixture>
{
    private readonly ApiFactory _api = fixture.Factory;
    private readonly TestSmtpServer _smtp = fixture.Smtp;

    [Fact]
    public async Task A_mail_refused_for_now_is_retried_after_its_backoff_and_delivered()
    {
        var mail = MailTesting.NewMail().Mail;
        _smtp.RefuseWith = SmtpReplyCode.Unavailable; // 450
        try
        {
            await _api.EnqueueAsync(mail);
            await AttemptsAsync(mail.To, 1);
        }
        finally
        {
            _smtp.RefuseWith = null;
        }
        var refused = (await _api.OutboxRowAsync(mail.To))!;
        Assert.Equal(0, refused.PermanentFailures);
        Assert.Equal(_api.Clock.GetUtcNow().UtcDateTime.AddMinutes(1), refused.NextAttemptAt);
        Assert.NotNull(refused.TextBody);

        _api.Clock.Advance(TimeSpan.FromMinutes(1));

        await MailTesting.EventuallyAsync(() => _smtp.For(mail.To).Count == 1, "the mail arrives");
        await MailTesting.EventuallyAsync(async () => (await _api.OutboxRowAsync(mail.To))!.SentAt is not null, "the mail is marked sent");
        Assert.Equal(2, (await _api.OutboxRowAsync(mail.To))!.Attempts);
    }

    [Fact]
    public async Task A_mail_refused_for_good_is_given_up_after_the_cap_with_its_body_blanked_and_an_error_logged()
    {
        var mail = MailTesting.NewMail().Mail;
        var refusalsBefore = _smtp.Refusals;
        _smtp.RefuseWith = SmtpReplyCode.MailboxUnavailable; // 550
        try
        {
            await _api.EnqueueAsync(mail);
            for (var attempt = 1; attempt < 3; attempt++)
            {
                await AttemptsAsync(mail.To, attempt);
                _api.Clock.Advance(TimeSpan.FromMinutes(4));
            }
            await MailTesting.EventuallyAsync(async () => (await _api.OutboxRowAsync(mail.To))!.GivenUpAt is not null, "the mail is given up");
            // Given up means never tried again, however much time passes.
            _api.Clock.Advance(TimeSpan.FromDays(1));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            _smtp.RefuseWith = null;
        }

        var row = (await _api.OutboxRowAsync(mail.To))!;
        Assert.Equal(3, _smtp.Refusals - refusalsBefore);
        Assert.Equal(3, row.Attempts);
        Assert.Equal(3, row.PermanentFailures);
        Assert.Null(row.SentAt);
        Assert.Null(row.TextBody);
        Assert.Null(row.HtmlBody);
        Assert.Empty(_smtp.For(mail.To));
        Assert.Equal(2, _api.Logs.Count(line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains($"Mail {row.Id} attempt", StringComparison.Ordinal) && line.Contains("was refused", StringComparison.Ordinal)));
        Assert.Single(_api.Logs, line => line.StartsWith("Error", StringComparison.Ordinal) && line.Contains($"Mail {row.Id} given up", StringComparison.Ordinal) && line.Contains("550", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_log_line_holds_a_mail_body_or_its_link_through_a_refusal_a_retry_and_a_delivery()
    {
        var (mail, secret) = MailTesting.NewMail();
        _smtp.RefuseWith = SmtpReplyCode.Unavailable;
        try
        {
            await _api.EnqueueAsync(mail);
            await AttemptsAsync(mail.To, 1);
        }
        finally
        {
            _smtp.RefuseWith = null;
        }
        _api.Clock.Advance(TimeSpan.FromMinutes(1));
        await MailTesting.EventuallyAsync(async () => (await _api.OutboxRowAsync(mail.To))!.SentAt is not null, "the mail is sent");
        var id = (await _api.OutboxRowAsync(mail.To))!.Id;

        var logs = _api.Logs.ToList();
        Assert.Contains(logs, line => line.Contains($"Mail {id} attempt 1 was", StringComparison.Ordinal) || line.Contains($"Mail {id} attempt 1 failed", StringComparison.Ordinal));
        Assert.Contains(logs, line => line.Contains($"Mail {id} sent", StringComparison.Ordinal));
        foreach (var needle in new[] { secret, "choose a new password", mail.TextBody, mail.HtmlBody })
        {
            Assert.DoesNotContain(logs, line => line.Contains(needle, StringComparison.Ordinal));
        }
    }

    private async Task AttemptsAsync(string to, int attempts) =>
        await MailTesting.EventuallyAsync(async () => await _api.OutboxRowAsync(to) is { } row && row.Attempts == attempts && row.LeasedUntil is null,
            $"attempt {attempts} is over");
}
