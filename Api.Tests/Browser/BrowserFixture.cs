using Api.Tests.Infrastructure;
using Api.Tests.Mail;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Playwright;

namespace Api.Tests.Browser;

[CollectionDefinition(Name)]
public sealed class BrowserTestGroup : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>
/// The real thing: the API on Kestrel, the sample SPA on a static server on another port (same site, other origin),
/// and Debian's Chromium driven by Playwright. The attack page is served from 127.0.0.1, a different site from
/// localhost. Without Chromium the tests fail; ./test.sh installs it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private WebApplication? _staticServer;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private ApiFactory? _api;

    public ApiFactory Api => _api ?? throw NotReady();

    /// <summary>The SMTP server the API mails through; its mails carry links to the SPA.</summary>
    public TestSmtpServer Smtp { get; } = new();
    public IBrowser Browser => _browser ?? throw NotReady();
    public string ApiUrl { get; private set; } = "";
    public string SpaUrl { get; private set; } = "";
    public string AttackerUrl { get; private set; } = "";
    public static string RepositoryRoot { get; } = FindRepositoryRoot();
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} not found: install Debian's chromium package (apt-get install chromium); ./test.sh does this.");
        }
        var staticPort = Ports.Free();
        var apiPort = Ports.Free();
        ApiUrl = $"http://localhost:{apiPort}";
        SpaUrl = $"http://localhost:{staticPort}/?api={Uri.EscapeDataString(ApiUrl)}";
        AttackerUrl = $"http://127.0.0.1:{staticPort}/attacker/index.html?api={Uri.EscapeDataString(ApiUrl)}";

        _staticServer = StartStaticServer(staticPort, SpaContentSecurityPolicy(ApiUrl));
        await _staticServer.StartAsync();

        var database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        Smtp.Start();
        var settings = MailTesting.SmtpSettings(Smtp);
        settings["Cors:AllowedOrigins:0"] = $"http://localhost:{staticPort}";
        settings["Email:ResetUrl"] = SpaUrl + "#/reset?token={token}";
        settings["Email:VerifyUrl"] = SpaUrl + "#/verify?token={token}";
        _api = new ApiFactory(database, settings);
        // A real browser shows real dates.
        _api.Clock.Set(DateTimeOffset.UtcNow);
        _api.UseKestrel(options => options.ListenLocalhost(apiPort));
        _api.StartServer();

        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        if (_staticServer is not null)
        {
            await _staticServer.DisposeAsync();
        }
        await Smtp.DisposeAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    /// <summary>
    /// The policy a production server should send with the SPA: its own scripts and styles only (no inline code, no
    /// eval, no data: images), and fetches to the API alone. The SPA runs under it in every browser test.
    /// </summary>
    public static string SpaContentSecurityPolicy(string apiOrigin) =>
        $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src {apiOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static WebApplication StartStaticServer(int port, string spaPolicy)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.ListenLocalhost(port));
        var app = builder.Build();
        var spa = new PhysicalFileProvider(Path.Combine(RepositoryRoot, "samples", "spa"));
        var attacker = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "Browser", "attacker"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = spa });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = spa,
            OnPrepareResponse = file => file.Context.Response.Headers.ContentSecurityPolicy = spaPolicy,
        });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = attacker, RequestPath = "/attacker" });
        return app;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Api.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Api.sln not found above " + AppContext.BaseDirectory);
    }

    private static InvalidOperationException NotReady() => new("The browser fixture is not initialised.");
}
