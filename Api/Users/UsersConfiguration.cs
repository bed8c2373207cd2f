namespace Api.Users;

public static class UsersConfiguration
{
    public static WebApplicationBuilder AddUsers(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<AccountCreation>();
        builder.Services.AddSingleton<Infrastructure.ICliCommand, CreateUserCommand>();
        return builder;
    }
}
