namespace Api.Tests.Infrastructure;

/// <summary>
/// Key ring certificates made the way an operator makes them (the keyring-certificate command), in a directory of
/// their own, and the API instances a test starts with them on one database; all of it goes when the test ends.
/// </summary>
public sealed class KeyRingLab : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("keyring-").FullName;
    private readonly List<ApiFactory> _instances = [];

    public async Task<string> NewCertificateAsync(string name)
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

    /// <summary>An API on <paramref name="database"/> with these (key ring) settings.</summary>
    public ApiFactory Instance(string database, Dictionary<string, string?> settings)
    {
        var instance = new ApiFactory(database, settings);
        _instances.Add(instance);
        return instance;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
