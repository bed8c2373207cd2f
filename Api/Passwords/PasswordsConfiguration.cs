namespace Api.Passwords;

public static class PasswordsConfiguration
{
    public static WebApplicationBuilder AddPasswords(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PasswordOptions>()
            .BindConfiguration(PasswordOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<PasswordHasher>();
        builder.Services.AddSingleton<PasswordWorkLimiter>();
        return builder;
    }
}
