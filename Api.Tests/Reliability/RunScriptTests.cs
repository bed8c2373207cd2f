using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Browser;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;

namespace Api.Tests.Reliability;

/// <summary>
/// The README's command for running the product, run as a developer runs it (on other ports and its own data directory):
/// it starts PostgreSQL, a mail catcher and the API, and keeps the local cluster closed to the machine's other users.
/// </summary>
[Collection(ReliabilityTestGroup.Name)]
[Trait("Category", "Reliability")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunScriptTests : IAsyncLifetime
{
    private static readonly string HttpRequests = Path.Combine(BrowserFixture.RepositoryRoot, "http-requests");
    private static readonly string PrivateEnvironment = Path.Combine(HttpRequests, "http-client.private.env.json");
    private static readonly string VisualStudioEnvironment = Path.Combine(HttpRequests, "http-client.env.json.user");
    private static readonly string OldDotEnv = Path.Combine(HttpRequests, ".env");
    // run.sh writes these into the working tree; whatever a developer had there is put back afterwards.
    private readonly Dictionary<string, string?> _savedHttpFiles = [];
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "run-sh-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _output = [];
    private Process? _process;
    private int _pgPort;
    private int _apiPort;
    private int _smtpPort;
    private int _mailUiPort;

    public Task InitializeAsync()
    {
        foreach (var file in new[] { PrivateEnvironment, VisualStudioEnvironment, OldDotEnv })
        {
            _savedHttpFiles[file] = File.Exists(file) ? File.ReadAllText(file) : null;
        }
        // An older run.sh left the passwords here; the current one removes them.
        File.WriteAllText(OldDotEnv, "adminPassword=stale\n");
        _pgPort = Ports.Free();
        _apiPort = Ports.Free();
        _smtpPort = Ports.Free();
        _mailUiPort = Ports.Free();
        var start = new ProcessStartInfo("bash", [Path.Combine(BrowserFixture.RepositoryRoot, "run.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["RUN_DATA_DIR"] = _dataRoot;
        start.Environment["PGPORT_LOCAL"] = _pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_apiPort}";
        start.Environment["SMTP_PORT_LOCAL"] = _smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["MAIL_UI_PORT_LOCAL"] = _mailUiPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("ConnectionStrings__Postgres");
        start.Environment.Remove("Email__Smtp__Host");
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start run.sh.");
        _process.OutputDataReceived += (_, line) => Keep(line.Data);
        _process.ErrorDataReceived += (_, line) => Keep(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
        var dataDir = ClusterDirectory();
        if (dataDir is not null)
        {
            await RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(LocalCluster.FindPostgresBin(), "pg_ctl"), "-D", dataDir, "-m", "immediate", "stop"], null);
            Directory.Delete(dataDir, recursive: true);
        }
        if (Directory.Exists(_dataRoot))
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
        foreach (var (file, text) in _savedHttpFiles)
        {
            if (text is null)
            {
                File.Delete(file);
            }
            else
            {
                await File.WriteAllTextAsync(file, text);
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    [Fact]
    public async Task Run_sh_serves_the_api_with_a_password_protected_cluster_and_private_secrets()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}") };
        await WaitUntilServedAsync(http);

        foreach (var file in new[] { "postgres-password", "demo-users", "keyring.pfx" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataRoot, file)));
        }
        var admin = (await File.ReadAllLinesAsync(Path.Combine(_dataRoot, "demo-users")))[0].Split(' ');
        foreach (var file in new[] { PrivateEnvironment, VisualStudioEnvironment })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            using var environments = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            Assert.Equal(admin[1], environments.RootElement.GetProperty("dev").GetProperty("adminPassword").GetString());
        }
        Assert.False(File.Exists(OldDotEnv), "run.sh left the passwords of an older run in http-requests/.env");

        var password = (await File.ReadAllTextAsync(Path.Combine(_dataRoot, "postgres-password"))).Trim();
        var (withoutPassword, refusal) = await RunAsync("psql", ["-h", "127.0.0.1", "-p", $"{_pgPort}", "-U", "postgres", "-d", "postgres", "-w", "-c", "SELECT 1"], null);
        var (withPassword, _) = await RunAsync("psql", ["-h", "127.0.0.1", "-p", $"{_pgPort}", "-U", "postgres", "-d", "postgres", "-w", "-c", "SELECT 1"], password);
        Assert.NotEqual(0, withoutPassword);
        Assert.Contains("password", refusal, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, withPassword);

        using var login = await http.PostAsJsonAsync("/login", new { email = admin[0], password = admin[1] });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Swagger UI:", Output(), StringComparison.Ordinal);
        Assert.Contains($"--env dev --var host=http://127.0.0.1:{_apiPort}", Output(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_sh_runs_a_mail_catcher_that_receives_what_the_api_sends()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_apiPort}") };
        await WaitUntilServedAsync(http);
        var mailUi = $"http://127.0.0.1:{_mailUiPort}";
        Assert.Contains($"Mail UI:    {mailUi}", Output(), StringComparison.Ordinal);
        using var catcher = new HttpClient { BaseAddress = new Uri(mailUi) };
        using (var page = await catcher.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }

        // Another instance on run.sh's database queues a mail: it has no SMTP server, so run.sh's API must send it,
        // reading the body with the key ring the two share, which run.sh keeps encrypted to its certificate.
        var password = (await File.ReadAllTextAsync(Path.Combine(_dataRoot, "postgres-password"))).Trim();
        var database = $"Host=127.0.0.1;Port={_pgPort};Username=postgres;Password={password};Database=session_auth";
        Assert.Contains("EncryptedData", string.Join("\n", await TestSql.QuerySqlAsync<string>(database, "SELECT xml FROM data_protection_keys")), StringComparison.Ordinal);
        await using var queuing = new ApiFactory(database, new Dictionary<string, string?> { ["DataProtection:CertificatePath"] = Path.Combine(_dataRoot, "keyring.pfx") });
        queuing.Clock.Set(DateTimeOffset.UtcNow);
        var mail = MailTesting.NewMail("run-sh").Mail;
        await queuing.EnqueueAsync(mail);

        JsonElement? caught = null;
        await MailTesting.EventuallyAsync(async () =>
        {
            using var list = JsonDocument.Parse(await catcher.GetStringAsync("/api/messages"));
            var id = list.RootElement.GetProperty("results").EnumerateArray()
                .FirstOrDefault(m => m.GetProperty("to").EnumerateArray().Any(to => to.GetString() == mail.To)) is { ValueKind: JsonValueKind.Object } found
                ? found.GetProperty("id").GetString()
                : null;
            caught = id is null ? null : JsonDocument.Parse(await catcher.GetStringAsync($"/api/messages/{id}")).RootElement.Clone();
            return caught is not null;
        }, "smtp4dev receives the mail", TimeSpan.FromSeconds(30));
        var row = (await queuing.OutboxRowAsync(mail.To))!;
        Assert.Equal(mail.Subject, caught!.Value.GetProperty("subject").GetString());
        var messageId = caught.Value.GetProperty("headers").EnumerateArray()
            .Single(h => string.Equals(h.GetProperty("name").GetString(), "Message-ID", StringComparison.OrdinalIgnoreCase));
        Assert.Equal($"<{row.MessageId}>", messageId.GetProperty("value").GetString());
        Assert.True(caught.Value.GetProperty("hasHtmlBody").GetBoolean());
        Assert.True(caught.Value.GetProperty("hasPlainTextBody").GetBoolean());
        await MailTesting.EventuallyAsync(async () => (await queuing.OutboxRowAsync(mail.To))!.SentAt is not null, "the mail is marked sent");
        Assert.Null((await queuing.OutboxRowAsync(mail.To))!.TextBody);
    }

    private async Task WaitUntilServedAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (!await IsReadyAsync(http))
        {
            Assert.False(_process!.HasExited, "run.sh exited:\n" + Output());
            Assert.True(DateTime.UtcNow < deadline, "run.sh never served:\n" + Output());
            await Task.Delay(500);
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("/health/ready");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private string? ClusterDirectory()
    {
        const string prefix = "Starting PostgreSQL in ";
        var line = Output().Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line?[prefix.Length..line.IndexOf(" on 127.0.0.1", StringComparison.Ordinal)];
    }

    private static async Task<(int ExitCode, string Error)> RunAsync(string program, string[] arguments, string? pgPassword)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment.Remove("PGPASSWORD");
        if (pgPassword is not null)
        {
            start.Environment["PGPASSWORD"] = pgPassword;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join("\n", _output);
        }
    }
}
