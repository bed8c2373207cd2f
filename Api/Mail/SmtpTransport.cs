using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Api.Mail;

/// <summary>
/// One SMTP connection, opened on first use and kept for the mails that follow, closed with QUIT. Only made when
/// Email:Smtp:Host is set.
/// </summary>
internal sealed class SmtpTransport(SmtpOptions options) : IAsyncDisposable
{
    private readonly SmtpClient _client = new() { Timeout = (int)options.Timeout.TotalMilliseconds };

    /// <summary>Connects and authenticates, unless already connected. A failure here says nothing about any one mail.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            return;
        }
        await _client.ConnectAsync(options.Host!, options.EffectivePort, SocketOptions(options.Security), cancellationToken);
        try
        {
            if (!string.IsNullOrEmpty(options.Username))
            {
                await _client.AuthenticateAsync(options.Username, options.Password ?? "", cancellationToken);
            }
        }
        catch
        {
            // Left connected but not authenticated, the next mail would meet a 5xx "authentication required" and count
            // it against the mail.
            await _client.DisconnectAsync(quit: false, CancellationToken.None);
            throw;
        }
    }

    public Task SendAsync(MimeMessage message, CancellationToken cancellationToken) => _client.SendAsync(message, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(quit: true);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or TimeoutException or OperationCanceledException)
            {
                // Every mail is recorded by now; a server that hangs up before saying goodbye loses nothing.
            }
        }
        _client.Dispose();
    }

    internal static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, "Not a supported SMTP security mode."),
    };
}
