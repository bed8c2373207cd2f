using System.Diagnostics;
using Api.Mail;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Api.Tests.Mail;

/// <summary>Retries a minute after the first failure, then two, then four: the tests move the clock across them.</summary>
public sealed class OutageMailFixture : MailFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Email:RetryBaseDelay"] = "00:01:00",
        ["Email:RetryMaxDelay"] = "00:04:00",
    };
}

/// <summary>The SMTP server or the database goes away; no mail is lost, none is sent twice, and nobody spins.</summary>
public sealed class MailOutageTests(OutageMailFixture fixture, ITestOutputHelper output) : IClassFixture<OutageMailFixture>
{
    private readonly ApiFactory _api = fixture.Factory;
    private readonly TestSmtpServer _smtp = fixture.Smtp;

    [Fact]
    public async Task During_an_smtp_outage_nothing_is_lost_and_after_it_every_mail_arrives_once_having_backed_off()
    {
        const int count = 20;
        var tag = $"outage-{Guid.NewGuid():N}";
        var mails = Enumerable.Range(0, count).Select(_ => MailTesting.NewMail(tag).Mail).ToArray();
        await _smtp.StopAsync();
        try
        {
            foreach (var mail in mails)
            {
                await _api.EnqueueAsync(mail);
            }

            // Each mail is tried once (a refused connection), then waits its first back-off of a minute...
            await AttemptsReachAsync(tag, count, 1);
            await Task.Delay(TimeSpan.FromSeconds(1)); // ten polls
            Assert.All(await _api.OutboxRowsAsync(tag), row => Assert.Equal(1, row.Attempts));
            Assert.Equal(count, (await FailureLinesAsync(tag)).Count);

            // ...is tried again once it has passed, and then waits two minutes, not one.
            _api.Clock.Advance(TimeSpan.FromMinutes(1));
            await AttemptsReachAsync(tag, count, 2);
            _api.Clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.All(await _api.OutboxRowsAsync(tag), row => Assert.Equal(2, row.Attempts));
        }
        finally
        {
            _smtp.Start();
        }
        var restored = Stopwatch.GetTimestamp();
        _api.Clock.Advance(TimeSpan.FromMinutes(1));

        await MailTesting.EventuallyAsync(async () => (await _api.OutboxRowsAsync(tag)).All(row => row.SentAt is not null), "every mail is sent");
        var drained = Stopwatch.GetElapsedTime(restored);

        var rows = await _api.OutboxRowsAsync(tag);
        Assert.All(mails, mail => Assert.Single(_smtp.For(mail.To)));
        Assert.All(rows, row => Assert.Equal(row.MessageId, _smtp.For(row.Recipient).Single().MessageId));
        Assert.All(rows, row => Assert.Equal(3, row.Attempts));
        Assert.All(rows, row => Assert.Equal(0, row.PermanentFailures));
        output.WriteLine($"{count} mails, {rows.Sum(r => r.Attempts)} attempts in all ({(await FailureLinesAsync(tag)).Count} failed), drained {drained.TotalMilliseconds:F0} ms after the server came back");
    }

    [Fact]
    public async Task After_losing_its_listening_connection_the_dispatcher_reconnects_and_delivers()
    {
        var listeners = await ListenerPidsAsync();
        Assert.Single(listeners);

        await _api.ExecuteSqlAsync("SELECT pg_terminate_backend(@pid)", new { pid = listeners[0] });

        await MailTesting.EventuallyAsync(() => _api.Logs.Any(line => line.Contains("The mail dispatcher lost the database", StringComparison.Ordinal)), "the loss is logged");
        await MailTesting.EventuallyAsync(async () => (await ListenerPidsAsync()) is [var pid] && pid != listeners[0], "a new listener");
        var mail = MailTesting.NewMail().Mail;
        await _api.EnqueueAsync(mail);
        await MailTesting.EventuallyAsync(() => _smtp.For(mail.To).Count == 1, "the mail arrives");
    }

    [Fact]
    public async Task A_mail_whose_sender_died_after_the_server_accepted_it_is_sent_again_after_the_lease_with_the_same_message_id()
    {
        // The instance that dies: it has no SMTP host, so its own dispatcher stays out of the way.
        await using var dying = new ApiFactory(await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync());
        var mail = MailTesting.NewMail().Mail;
        await dying.EnqueueAsync(mail);
        var now = dying.Clock.GetUtcNow().UtcDateTime;
        var store = dying.Services.GetRequiredService<OutboxStore>();
        var leased = (await store.LeaseNextDueAsync(now, now + TimeSpan.FromMinutes(5), CancellationToken.None))!;
        var smtpSettings = MailTesting.SmtpSettings(_smtp);
        var smtpOptions = new SmtpOptions { Host = "127.0.0.1", Port = _smtp.Port, Security = SmtpSecurity.None };
        await using (var transport = new SmtpTransport(smtpOptions))
        {
            await transport.ConnectAsync(CancellationToken.None);
            var bodies = dying.Services.GetRequiredService<MailBodyProtector>();
            await transport.SendAsync(MailDispatcher.Compose(leased, MimeKit.MailboxAddress.Parse(MailTesting.From), bodies), CancellationToken.None);
        }
        // ...and dies here, before marking the mail sent. A healthy instance takes over.
        await using var survivor = new ApiFactory(dying.ConnectionString, smtpSettings);
        _ = survivor.Services;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(_smtp.For(mail.To));

        survivor.Clock.Advance(TimeSpan.FromMinutes(5));

        await MailTesting.EventuallyAsync(() => _smtp.For(mail.To).Count == 2, "the mail is sent again");
        var copies = _smtp.For(mail.To);
        Assert.Equal(copies[0].MessageId, copies[1].MessageId);
        Assert.Equal(leased.MessageId, copies[1].MessageId);
        await MailTesting.EventuallyAsync(async () => (await survivor.OutboxRowAsync(mail.To))!.SentAt is not null, "the mail is marked sent");
        Assert.Equal(2, (await survivor.OutboxRowAsync(mail.To))!.Attempts);
    }

    private async Task AttemptsReachAsync(string tag, int count, int attempts) =>
        await MailTesting.EventuallyAsync(async () => (await _api.OutboxRowsAsync(tag)) is var rows && rows.Count == count && rows.All(row => row.Attempts == attempts),
            $"every mail has had {attempts} attempts");

    private async Task<List<string>> FailureLinesAsync(string tag)
    {
        var ids = (await _api.OutboxRowsAsync(tag)).Select(row => $"Mail {row.Id} attempt").ToHashSet();
        return [.. _api.Logs.Where(line => line.Contains("failed (", StringComparison.Ordinal) && ids.Any(id => line.Contains(id, StringComparison.Ordinal)))];
    }

    private Task<IReadOnlyList<int>> ListenerPidsAsync() =>
        _api.QuerySqlAsync<int>("""
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND query = 'LISTEN mail_outbox' AND pid <> pg_backend_pid()
            """);
}
