namespace Api.Tests.Infrastructure;

/// <summary>Key ring certificates made the way an operator makes them, with the keyring-certificate command, in a directory of their own.</summary>
public sealed class KeyRingCertificates : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("keyring-").FullName;

    public async Task<string> NewAsync(string name)
    {
        var path = Path.Combine(_directory, name);
        var (exitCode, output) = await ApiCommand.RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none",
            ["Database:MigrateOnStartup"] = "false",
        }, "keyring-certificate", path);
        Assert.True(exitCode == 0, output);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
