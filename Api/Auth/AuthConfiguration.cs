namespace Api.Auth;

public static class AuthConfiguration
{
    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Credentials>();
        builder.Services.ConfigureSwaggerGen(options => options.SchemaFilter<SessionStateSchemaFilter>());
        builder.Services.AddOptions<LoginThrottleOptions>()
            .BindConfiguration(LoginThrottleOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<DeviceCookie>();
        builder.Services.AddSingleton<Registration>();
        builder.Services.AddSingleton<PasswordChange>();
        builder.Services.AddSingleton<TwoFactorChanges>();
        builder.Services.AddSingleton<Infrastructure.ICleanupTask>(sp => sp.GetRequiredService<LoginThrottle>());
        builder.Services.AddOptions<RegistrationOptions>().BindConfiguration(RegistrationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Account recovery and email verification: tokens mailed through the outbox.
        builder.Services.AddOptions<AccountMailOptions>().BindConfiguration(AccountMailOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AccountTokenStore>();
        builder.Services.AddSingleton<Infrastructure.ICleanupTask>(sp => sp.GetRequiredService<AccountTokenStore>());
        builder.Services.AddSingleton<AccountMails>();
        builder.Services.AddSingleton<AccountRecovery>();
        builder.Services.AddSingleton<AccountRequestStore>();
        builder.Services.AddHostedService<AccountRequestWorker>();
        return builder;
    }
}
