using System.Diagnostics;
using Api.Tests.Browser;

namespace Api.Tests.Clients;

/// <summary>Runs a command-line tool from tools/node_modules (installed by ./test.sh with npm ci).</summary>
public static class NodeTool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var path = Path.Combine(BrowserFixture.RepositoryRoot, "tools", "node_modules", ".bin", tool);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} not found: run 'npm ci --prefix tools' (./test.sh does this).");
        }
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = workingDirectory ?? BrowserFixture.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish within {timeout}.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
