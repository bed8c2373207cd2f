using Api.Passwords;
using Api.Tests.Infrastructure;
using Api.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Users;

public sealed class CreateUserCommandTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Create_user_stores_a_bcrypt_hash_that_logs_in()
    {
        var email = $"cli-{Guid.NewGuid():N}@example.com";

        var (exitCode, output, _) = await RunAsync(["--email", email, "--name", "Cli Admin", "--role", "admin", "--password", "a long enough password"]);

        Assert.Equal(0, exitCode);
        Assert.Contains($"Created admin {email}", output, StringComparison.Ordinal);
        var stored = Assert.Single(await StoredAsync(email));
        Assert.Equal("admin", stored.Role);
        Assert.StartsWith("$2b$04$", stored.PasswordHash, StringComparison.Ordinal);
        Assert.True(api.Factory.Services.GetRequiredService<PasswordHasher>().Verify("a long enough password", stored.PasswordHash));
    }

    [Fact]
    public async Task Create_user_reads_the_password_from_standard_input_when_none_is_given()
    {
        var email = $"stdin-{Guid.NewGuid():N}@example.com";

        var (exitCode, _, _) = await RunAsync(["--email", email, "--name", "Stdin"], stdin: "password from stdin\n");

        Assert.Equal(0, exitCode);
        var stored = Assert.Single(await StoredAsync(email));
        Assert.True(api.Factory.Services.GetRequiredService<PasswordHasher>().Verify("password from stdin", stored.PasswordHash));
        Assert.Equal("user", stored.Role);
    }

    [Fact]
    public async Task Create_user_reads_the_password_from_its_environment_variable_before_standard_input()
    {
        var email = $"env-{Guid.NewGuid():N}@example.com";
        Environment.SetEnvironmentVariable(CreateUserCommand.PasswordVariable, "password from the environment");
        try
        {
            var (exitCode, _, error) = await RunAsync(["--email", email, "--name", "Env"], stdin: "password from stdin\n");

            Assert.Equal(0, exitCode);
            Assert.Empty(error);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CreateUserCommand.PasswordVariable, null);
        }
        var stored = Assert.Single(await StoredAsync(email));
        Assert.True(api.Factory.Services.GetRequiredService<PasswordHasher>().Verify("password from the environment", stored.PasswordHash));
    }

    [Fact]
    public async Task A_password_on_the_command_line_still_works_but_is_warned_about()
    {
        var email = $"argv-{Guid.NewGuid():N}@example.com";

        var (exitCode, _, error) = await RunAsync(["--email", email, "--name", "Argv", "--password", "a long enough password"]);

        Assert.Equal(0, exitCode);
        Assert.Contains("warning: --password shows the password to every user of this machine", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_user_with_a_taken_email_in_any_case_exits_3_with_a_clear_error()
    {
        var email = $"dup-{Guid.NewGuid():N}@example.com";
        await RunAsync(["--email", email, "--name", "First", "--password", "first password"]);

        var (exitCode, _, error) = await RunAsync(["--email", email.ToUpperInvariant(), "--name", "Second", "--password", "second password"]);

        Assert.Equal(CreateUserCommand.DuplicateEmailExitCode, exitCode);
        Assert.Contains("already exists", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--email", "x@example.com", "--name", "X", "--role", "root", "--password", "long enough pw" }, "role")]
    [InlineData(new[] { "--email", "not-an-email", "--name", "X", "--password", "long enough pw" }, "email")]
    [InlineData(new[] { "--email", "x@example.com", "--name", "X", "--password", "short" }, "password")]
    [InlineData(new[] { "--email", "x@example.com", "--name", "X", "--wat", "y" }, "unknown argument")]
    [InlineData(new[] { "--email" }, "needs a value")]
    public async Task Create_user_with_bad_input_exits_2_and_says_what_is_wrong(string[] args, string expected)
    {
        var (exitCode, _, error) = await RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, string stdin = "")
    {
        using var input = new StringReader(stdin);
        await using var output = new StringWriter();
        await using var error = new StringWriter();
        var exitCode = await CreateUserCommand.RunAsync(api.Factory.Services, args, input, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private Task<IReadOnlyList<(string Role, string PasswordHash)>> StoredAsync(string email) =>
        api.Factory.QuerySqlAsync<(string Role, string PasswordHash)>("SELECT role, password_hash FROM users WHERE email = @email", new { email });
}
