using System.Diagnostics;
using System.Globalization;
using Api.Mail;
using Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Api.Tests.Mail;

/// <summary>A mail_outbox row as the tests read it with SQL.</summary>
public sealed class OutboxRow
{
    public required long Id { get; init; }
    public required string MessageId { get; init; }
    public required string Recipient { get; init; }
    public required string Subject { get; init; }
    public string? TextBody { get; init; }
    public string? HtmlBody { get; init; }
    public required DateTime NextAttemptAt { get; init; }
    public DateTime? LeasedUntil { get; init; }
    public required int Attempts { get; init; }
    public required int PermanentFailures { get; init; }
    public DateTime? SentAt { get; init; }
    public DateTime? GivenUpAt { get; init; }
}

/// <summary>A mail whose bodies hold a secret link, the way a password reset's will.</summary>
public sealed record SecretMail(OutgoingMail Mail, string Secret)
{
    public string To => Mail.To;
}

public static partial class MailTesting
{
    /// <summary>The account token in a mail's link (the text body's), as the API's account mails carry it.</summary>
    public static string TokenIn(MimeKit.MimeMessage message) =>
        TokenLink().Match(message.TextBody ?? "").Groups["token"].Value;

    /// <summary>The link of a mail's HTML body, as a browser follows it.</summary>
    public static string LinkIn(MimeKit.MimeMessage message) =>
        System.Net.WebUtility.HtmlDecode(HtmlLink().Match(message.HtmlBody ?? "").Groups["link"].Value);

    [System.Text.RegularExpressions.GeneratedRegex(@"token=(?<token>[A-Za-z0-9_-]{43})")]
    private static partial System.Text.RegularExpressions.Regex TokenLink();

    [System.Text.RegularExpressions.GeneratedRegex("href=\"(?<link>[^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex HtmlLink();

    public const string From = "Session Auth API <no-reply@example.com>";

    /// <summary>Points the API at <paramref name="smtp"/>, and makes it look at the outbox ten times a second.</summary>
    public static Dictionary<string, string?> SmtpSettings(TestSmtpServer smtp) => new()
    {
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Email:Smtp:Security"] = "None",
        ["Email:Smtp:Timeout"] = "00:00:05",
        ["Email:From"] = From,
        ["Email:PollInterval"] = "00:00:00.100",
    };

    /// <summary>A mail to a recipient of its own, whose bodies carry a reset link with a token found nowhere else.</summary>
    public static SecretMail NewMail(string tag = "mail")
    {
        var secret = "tok" + Guid.NewGuid().ToString("N");
        var link = $"https://app.example.com/reset?token={secret}";
        var mail = new OutgoingMail(
            $"{tag}-{Guid.NewGuid():N}@example.com",
            "Reset your password",
            $"Open {link} to choose a new password.",
            $"<p>Open <a href=\"{link}\">this link</a> to choose a new password.</p>");
        return new SecretMail(mail, secret);
    }

    /// <summary>Queues the mails in one transaction, as a use case does, and commits it or rolls it back.</summary>
    public static async Task EnqueueAsync(this ApiFactory factory, bool commit, params OutgoingMail[] mails)
    {
        var dataSource = factory.Services.GetRequiredService<NpgsqlDataSource>();
        var outbox = factory.Services.GetRequiredService<MailOutbox>();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var mail in mails)
        {
            await outbox.EnqueueAsync(transaction, mail);
        }
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }
    }

    public static Task EnqueueAsync(this ApiFactory factory, params OutgoingMail[] mails) => factory.EnqueueAsync(true, mails);

    public static async Task<OutboxRow?> OutboxRowAsync(this ApiFactory factory, string recipient) =>
        (await factory.OutboxRowsAsync(recipient)).SingleOrDefault();

    /// <summary>The rows whose recipient starts with <paramref name="recipientPrefix"/>.</summary>
    public static Task<IReadOnlyList<OutboxRow>> OutboxRowsAsync(this ApiFactory factory, string recipientPrefix) =>
        factory.QuerySqlAsync<OutboxRow>("""
            SELECT id, message_id AS messageid, recipient, subject, text_body AS textbody, html_body AS htmlbody,
                   next_attempt_at AS nextattemptat, leased_until AS leaseduntil, attempts, permanent_failures AS permanentfailures,
                   sent_at AS sentat, given_up_at AS givenupat
            FROM mail_outbox WHERE recipient LIKE @pattern ORDER BY id
            """, new { pattern = recipientPrefix + "%" });

    /// <summary>Waits for <paramref name="condition"/>, checking every 50 ms; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var started = Stopwatch.GetTimestamp();
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < limit, $"Not within {limit}: {what}");
            await Task.Delay(50);
        }
        return Stopwatch.GetElapsedTime(started);
    }

    public static Task<TimeSpan> EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, timeout);
}

/// <summary>Its own database and SMTP server, and an API that sends through it.</summary>
public class MailFixture : IAsyncLifetime
{
    private ApiFactory? _factory;

    public TestSmtpServer Smtp { get; } = new();

    public ApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>Settings on top of <see cref="MailTesting.SmtpSettings"/>.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Smtp.Start();
        var settings = MailTesting.SmtpSettings(Smtp);
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        _factory = new ApiFactory(await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync(), settings);
        // Starts the host, and with it the dispatcher.
        _ = _factory.Services;
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        await Smtp.DisposeAsync();
    }
}
