namespace Api.Infrastructure;

/// <summary>A command-line command a feature offers (<c>dotnet Api.dll NAME ...</c>), registered in its Add method.</summary>
public interface ICliCommand
{
    string Name { get; }

    Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output, TextWriter errors);
}

/// <summary>
/// `dotnet run --project Api -- migrate` and the features' commands (`create-user ...`) run against the configured
/// database instead of serving. They share the app's configuration and services, so they see exactly what the server
/// would.
/// </summary>
public static class Commands
{
    public static async Task<int?> RunCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return null;
        }

        var output = Console.Out;
        var error = Console.Error;
        switch (args[0])
        {
            case "migrate" when args.Skip(1).SequenceEqual(["--dry-run"]):
                var pending = await app.Services.GetRequiredService<Migrator>().PendingAsync();
                await output.WriteLineAsync(pending.Count == 0
                    ? "Database is up to date: nothing to apply."
                    : $"Would apply {pending.Count} migrations: {string.Join(", ", pending.Select(m => m.InTransaction ? m.Name : m.Name + " (no transaction)"))}.");
                return 0;
            case "migrate" when args.Length == 1:
                var result = await app.Services.GetRequiredService<Migrator>().MigrateAsync();
                await output.WriteLineAsync(result.Applied.Count == 0
                    ? $"Database is up to date ({result.AlreadyApplied.Count} migrations applied before)."
                    : $"Applied {result.Applied.Count} migrations: {string.Join(", ", result.Applied)}.");
                return 0;
            default:
                var commands = app.Services.GetServices<ICliCommand>().ToList();
                if (commands.FirstOrDefault(c => c.Name == args[0]) is { } command)
                {
                    return await command.RunAsync(app.Services, args[1..], Console.In, output, error);
                }
                await error.WriteLineAsync(
                    $"Unknown command '{string.Join(' ', args)}'. Commands: migrate [--dry-run], {string.Join(", ", commands.Select(c => c.Name))}.");
                return 2;
        }
    }
}
