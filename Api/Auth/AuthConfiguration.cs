using Api.Passwords;

namespace Api.Auth;

public static class AuthConfiguration
{
    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PasswordOptions>()
            .BindConfiguration(PasswordOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<PasswordWorkLimiterOptions>()
            .BindConfiguration(PasswordOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<PasswordHasher>();
        builder.Services.AddSingleton<PasswordWorkLimiter>();
        builder.Services.AddSingleton<Credentials>();
        builder.Services.AddOptions<LoginThrottleOptions>()
            .BindConfiguration(LoginThrottleOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<Infrastructure.ICleanupTask>(sp => sp.GetRequiredService<LoginThrottle>());
        builder.Services.AddOptions<RegistrationOptions>().BindConfiguration(RegistrationOptions.SectionName);
        builder.Services.AddSingleton<Users.UserStore>();
        builder.Services.AddSingleton<Users.AccountCreation>();
        return builder;
    }
}
