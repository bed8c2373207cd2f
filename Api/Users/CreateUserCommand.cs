using Api.Infrastructure;
using Api.Sessions;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Api.Users;

/// <summary>
/// create-user --email E --name N [--role admin|user]: the password comes from the environment variable
/// <see cref="PasswordVariable"/>, else from the first line of standard input. --password P still works, with a warning:
/// a command line is visible to every user of the machine (ps, /proc).
/// </summary>
public sealed class CreateUserCommand : ICliCommand
{
    public const int DuplicateEmailExitCode = 3;
    public const string PasswordVariable = "CREATE_USER_PASSWORD";

    public string Name => "create-user";

    Task<int> ICliCommand.RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output, TextWriter errors) =>
        RunAsync(services, args, input, output, errors);
    private const int InvalidInputExitCode = 2;
    private const int BusyExitCode = 4;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        if (!TryParse(args, out var options, out var problem))
        {
            await error.WriteLineAsync($"create-user: {problem}");
            await error.WriteLineAsync($"Usage: create-user --email E --name N [--role admin|user]  (password from ${PasswordVariable}, else the first line of standard input)");
            return InvalidInputExitCode;
        }

        if (options.ContainsKey("password"))
        {
            await error.WriteLineAsync($"create-user: warning: --password shows the password to every user of this machine (ps); set {PasswordVariable} or pipe it on standard input instead.");
        }
        var password = options.GetValueOrDefault("password")
            ?? Environment.GetEnvironmentVariable(PasswordVariable)
            ?? (await input.ReadLineAsync())?.TrimEnd('\r');
        var user = new NewUser(options.GetValueOrDefault("email"), options.GetValueOrDefault("name"), options.GetValueOrDefault("role") ?? Roles.User, password,
            // The operator who runs the command vouches for the address.
            EmailVerified: true);
        var validation = await services.GetRequiredService<IValidator<NewUser>>().ValidateAsync(user);
        if (!validation.IsValid)
        {
            foreach (var failure in validation.Errors)
            {
                await error.WriteLineAsync($"create-user: {failure.ErrorMessage}");
            }
            return InvalidInputExitCode;
        }

        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await services.GetRequiredService<Migrator>().MigrateAsync();
        }
        switch (await services.GetRequiredService<AccountCreation>().CreateAsync(user, CancellationToken.None))
        {
            case AccountCreationResult.Created(var id):
                await output.WriteLineAsync($"Created {user.Role} {user.Email} with id {id}.");
                return 0;
            case AccountCreationResult.EmailTaken:
                await error.WriteLineAsync($"create-user: a user with email {user.Email} already exists.");
                return DuplicateEmailExitCode;
            default:
                await error.WriteLineAsync("create-user: no bcrypt slot freed up in time; try again.");
                return BusyExitCode;
        }
    }

    private static bool TryParse(string[] args, out Dictionary<string, string> options, out string problem)
    {
        string[] known = ["email", "name", "role", "password"];
        options = [];
        problem = "";
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
            if (name is null || !known.Contains(name))
            {
                problem = $"unknown argument '{args[i]}'.";
                return false;
            }
            if (i + 1 >= args.Length)
            {
                problem = $"--{name} needs a value.";
                return false;
            }
            options[name] = args[++i];
        }
        return true;
    }
}
