using System.Collections.Concurrent;
using System.Diagnostics;

namespace Api.Tests.Infrastructure;

/// <summary>
/// The API as its own operating-system process (dotnet Api.dll on Kestrel), as production runs it: for tests of several
/// instances, restarts and signals. Its console log is kept for assertions.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ApiProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<string> Output { get; } = new();

    public static ApiProcess Start(string connectionString, IReadOnlyDictionary<string, string>? settings = null, int? port = null)
    {
        var url = $"http://127.0.0.1:{port ?? Ports.Free()}";
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Api.dll"), "--urls", url })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Passwords__WorkFactor"] = "4";
        // As in ApiFactory: opening a connection on a busy two-core machine has taken over the product's 3 s.
        start.Environment["Database__ConnectTimeout"] = "00:00:30";
        start.Environment["Database__CommandTimeout"] = "00:00:30";
        start.Environment["RateLimiting__AuthPermitLimit"] = "100000";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the API.");
        var api = new ApiProcess(process, url);
        process.OutputDataReceived += (_, line) => api.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => api.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    public HttpClient CreateClient() => new() { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Waits until /health/live answers, or fails with the process's output.</summary>
    public async Task WaitUntilLiveAsync(TimeSpan? timeout = null)
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with {_process.ExitCode}:\n{string.Join('\n', Output)}");
            }
            try
            {
                using var response = await client.GetAsync("/health/live");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The API did not come up:\n{string.Join('\n', Output)}");
    }

    /// <summary>Sends SIGTERM, as an orchestrator does, and waits for the process to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan? timeout = null)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            Output.Enqueue(line);
        }
    }
}
