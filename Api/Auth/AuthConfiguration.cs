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
        builder.Services.AddSingleton<Infrastructure.ICleanupTask>(sp => sp.GetRequiredService<LoginThrottle>());
        builder.Services.AddOptions<RegistrationOptions>().BindConfiguration(RegistrationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
