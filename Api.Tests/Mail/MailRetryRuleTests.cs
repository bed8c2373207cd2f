using System.Net.Sockets;
using Api.Mail;
using MailKit.Net.Smtp;
using MimeKit;

namespace Api.Tests.Mail;

public sealed class MailRetryRuleTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(15);

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(7, 640)]
    [InlineData(8, 900)]
    [InlineData(9, 900)]
    public void Each_failure_doubles_the_wait_up_to_the_max(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), MailRetry.Backoff(failures, Base, Max));

    [Theory]
    [InlineData(64)]
    [InlineData(1_000_000)]
    [InlineData(int.MaxValue)]
    public void Any_count_however_large_waits_the_max(int failures) =>
        Assert.Equal(Max, MailRetry.Backoff(failures, Base, Max));

    [Fact]
    public void The_widest_settings_neither_overflow_nor_exceed_the_max()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1), MailRetry.Backoff(1, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7)));
        Assert.Equal(TimeSpan.FromDays(7), MailRetry.Backoff(int.MaxValue, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7)));
        Assert.Equal(TimeSpan.MaxValue, MailRetry.Backoff(int.MaxValue, TimeSpan.FromDays(1), TimeSpan.MaxValue));
    }

    [Fact]
    public void A_max_equal_to_the_base_waits_the_base_every_time()
    {
        Assert.Equal(Base, MailRetry.Backoff(1, Base, Base));
        Assert.Equal(Base, MailRetry.Backoff(50, Base, Base));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Before_any_failure_there_is_no_backoff(int failures) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MailRetry.Backoff(failures, Base, Max));

    [Theory]
    [InlineData(SmtpStatusCode.MailboxBusy, false)] // 450
    [InlineData(SmtpStatusCode.ServiceNotAvailable, false)] // 421
    [InlineData(SmtpStatusCode.InsufficientStorage, false)] // 452
    [InlineData(SmtpStatusCode.MailboxUnavailable, true)] // 550
    [InlineData(SmtpStatusCode.TransactionFailed, true)] // 554
    public void Only_a_5xx_refusal_of_the_mail_is_permanent(SmtpStatusCode status, bool permanent) =>
        Assert.Equal(permanent, MailRetry.IsPermanent(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, status, "refused")));

    [Fact]
    public void A_server_out_of_reach_a_timeout_or_a_broken_connection_is_transient()
    {
        Assert.False(MailRetry.IsPermanent(new SocketException((int)SocketError.ConnectionRefused)));
        Assert.False(MailRetry.IsPermanent(new TimeoutException()));
        Assert.False(MailRetry.IsPermanent(new IOException("reset")));
        Assert.False(MailRetry.IsPermanent(new SmtpProtocolException("unexpected end of stream")));
        Assert.False(MailRetry.IsPermanent(new System.Security.Cryptography.CryptographicException("key not found")));
    }

    [Fact]
    public void A_recipient_that_cannot_be_written_is_permanent() =>
        Assert.True(MailRetry.IsPermanent(Assert.Throws<ParseException>(() => MailboxAddress.Parse("not an address"))));

    [Theory]
    [InlineData(1, 3, false)]
    [InlineData(2, 3, false)]
    [InlineData(3, 3, true)]
    [InlineData(1, 1, true)]
    public void A_mail_is_given_up_at_its_capped_number_of_permanent_refusals(int refusals, int max, bool givesUp) =>
        Assert.Equal(givesUp, MailRetry.GivesUp(refusals, max));
}
