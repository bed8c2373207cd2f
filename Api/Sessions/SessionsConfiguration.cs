using Api.Infrastructure;

namespace Api.Sessions;

public static class SessionsConfiguration
{
    public static WebApplicationBuilder AddSessions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SessionOptions>()
            .BindConfiguration(SessionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SessionCookie>();
        var cookieName = builder.Configuration[$"{SessionOptions.SectionName}:CookieName"] ?? SessionOptions.DefaultCookieName;
        builder.Services.ConfigureSwaggerGen(options => options.AddSecurityDefinition(OpenApiConfiguration.CookieSchemeName, new Microsoft.OpenApi.OpenApiSecurityScheme
        {
            Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey,
            In = Microsoft.OpenApi.ParameterLocation.Cookie,
            Name = cookieName,
            Description = "Opaque session token set by POST /login (HttpOnly, Secure, SameSite=Strict). The browser sends it by itself.",
        }));
        builder.Services.AddOptions<SessionCacheOptions>()
            .BindConfiguration(SessionCacheOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SessionCache>();
        builder.Services.AddHostedService<SessionCacheListener>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<SessionResolver>();
        builder.Services.AddSingleton<SessionIssuer>();
        builder.Services.AddSingleton<DeferredRevocations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeferredRevocations>());
        builder.Services.AddScoped<CurrentSession>();
        builder.Services.AddSingleton<SessionCleanup>();
        builder.Services.AddSingleton<ICleanupTask>(sp => sp.GetRequiredService<SessionCleanup>());
        return builder;
    }

    /// <summary>Puts the signed-in user on <see cref="HttpContext.User"/> for guarded endpoints; call before the rate limiter.</summary>
    public static WebApplication UseSessionPrincipal(this WebApplication app)
    {
        app.UseMiddleware<SessionPrincipalMiddleware>();
        return app;
    }
}
