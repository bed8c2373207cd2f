using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Api.Tests.Infrastructure;

/// <summary>A mail as the test server received it: the envelope's recipients and the message as sent.</summary>
public sealed record ReceivedMail(IReadOnlyList<string> EnvelopeTo, MimeMessage Message);

/// <summary>
/// A real SMTP server in the test process (the SmtpServer package) on a loopback port of its own. It keeps every message
/// it accepts, answers every message with a refusal when told to, and can be stopped and started again on the same
/// port to play an outage.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private CancellationTokenSource? _running;
    private Task? _serving;
    private int _refusals;

    public int Port { get; } = Ports.Free();

    public ConcurrentQueue<ReceivedMail> Received { get; } = new();

    /// <summary>Messages answered with <see cref="RefuseWith"/> so far.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>When set, every message is answered with this code after its data (450 for "later", 550 for "never").</summary>
    public SmtpReplyCode? RefuseWith { get; set; }

    public void Start()
    {
        lock (_lock)
        {
            if (_running is not null)
            {
                return;
            }
            var options = new SmtpServerOptionsBuilder()
                .ServerName("localhost")
                .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
                .Build();
            var services = new SmtpServer.ComponentModel.ServiceProvider();
            services.Add(new Store(this));
            _running = new CancellationTokenSource();
            // The listener is bound before StartAsync returns; sessions run until the token is cancelled.
            _serving = new SmtpServer.SmtpServer(options, services).StartAsync(_running.Token);
        }
    }

    /// <summary>Closes the port and every open session, as a crashed or unplugged server would.</summary>
    public async Task StopAsync()
    {
        Task? serving;
        lock (_lock)
        {
            if (_running is null)
            {
                return;
            }
            _running.Cancel();
            serving = _serving;
            _running.Dispose();
            _running = null;
        }
        try
        {
            await serving!;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The messages received for <paramref name="recipient"/>, in the order they arrived.</summary>
    public IReadOnlyList<MimeMessage> For(string recipient) =>
        [.. Received.Where(mail => mail.EnvelopeTo.Contains(recipient, StringComparer.OrdinalIgnoreCase)).Select(mail => mail.Message)];

    public ValueTask DisposeAsync() => new(StopAsync());

    private sealed class Store(TestSmtpServer server) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (server.RefuseWith is { } code)
            {
                Interlocked.Increment(ref server._refusals);
                return Task.FromResult(new SmtpResponse(code, "refused by the test server"));
            }
            using var stream = new MemoryStream(buffer.ToArray());
            var message = MimeMessage.Load(stream, cancellationToken);
            server.Received.Enqueue(new ReceivedMail([.. transaction.To.Select(to => $"{to.User}@{to.Host}")], message));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
