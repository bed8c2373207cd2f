using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Sessions;

public static class SessionsConfiguration
{
    public static WebApplicationBuilder AddSessions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SessionSettings>()
            .BindConfiguration(SessionSettings.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SessionSettings>, SessionSettings.Validator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SessionCookie>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<SessionResolver>();
        builder.Services.AddSingleton<SessionIssuer>();
        builder.Services.AddSingleton<DeferredRevocations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeferredRevocations>());
        builder.Services.AddScoped<CurrentSession>();
        builder.Services.AddSingleton<SessionCleanup>();
        builder.Services.AddSingleton<ICleanupTask>(sp => sp.GetRequiredService<SessionCleanup>());
        builder.Services.AddHostedService<CleanupService>();
        return builder;
    }
}
