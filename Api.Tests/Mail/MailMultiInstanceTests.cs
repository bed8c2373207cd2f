using Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Api.Tests.Mail;

/// <summary>Several API instances on one database share the outbox: each mail is sent by exactly one of them, once.</summary>
public sealed class MailMultiInstanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestSmtpServer _smtp = new();
    private readonly List<ApiFactory> _instances = [];

    public Task InitializeAsync()
    {
        _smtp.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Two_instances_sending_from_one_outbox_deliver_each_of_fifty_mails_exactly_once()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        var (a, b) = (Start(database, sendsMail: true), Start(database, sendsMail: true));
        var tag = $"pair-{Guid.NewGuid():N}";
        var mails = Enumerable.Range(0, 50).Select(_ => MailTesting.NewMail(tag).Mail).ToArray();

        // Both queue at once, each waking both dispatchers with every commit.
        await Task.WhenAll(
            Task.Run(async () => { foreach (var mail in mails[..25]) { await a.EnqueueAsync(mail); } }),
            Task.Run(async () => { foreach (var mail in mails[25..]) { await b.EnqueueAsync(mail); } }));

        await MailTesting.EventuallyAsync(async () => (await a.OutboxRowsAsync(tag)).All(row => row.SentAt is not null), "every mail is sent");
        Assert.All(mails, mail => Assert.Single(_smtp.For(mail.To)));
        Assert.Equal(50, _smtp.Received.Select(mail => mail.Message.MessageId).Distinct().Count());
        // One attempt each: no instance ever took a mail another one held.
        Assert.All(await a.OutboxRowsAsync(tag), row => Assert.Equal(1, row.Attempts));
        var (sentByA, sentByB) = (SentLines(a), SentLines(b));
        Assert.Equal(50, sentByA + sentByB);
        output.WriteLine($"instance A sent {sentByA}, instance B sent {sentByB}");
    }

    [Fact]
    public async Task A_mail_queued_by_an_instance_without_smtp_is_sent_by_another_that_reads_it_with_the_shared_key_ring()
    {
        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        var queuing = Start(database, sendsMail: false);
        var (mail, secret) = MailTesting.NewMail();
        await queuing.EnqueueAsync(mail);

        Start(database, sendsMail: true);

        await MailTesting.EventuallyAsync(() => _smtp.For(mail.To).Count == 1, "the other instance sends the mail");
        Assert.Contains(secret, _smtp.For(mail.To).Single().TextBody, StringComparison.Ordinal);
    }

    private ApiFactory Start(string database, bool sendsMail)
    {
        var instance = new ApiFactory(database, sendsMail ? MailTesting.SmtpSettings(_smtp) : null);
        _instances.Add(instance);
        _ = instance.Services;
        return instance;
    }

    private static int SentLines(ApiFactory instance) =>
        instance.Logs.Count(line => line.Contains("Api.Mail.MailDispatcher: Mail ", StringComparison.Ordinal) && line.Contains(" sent (attempt", StringComparison.Ordinal));
}
