using Api.Sessions;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Api.Infrastructure;

public static class OpenApiConfiguration
{
    public const string CookieSchemeName = "sessionCookie";

    public static WebApplicationBuilder AddOpenApiDocument(this WebApplicationBuilder builder)
    {
        var cookieName = builder.Configuration[$"{SessionSettings.SectionName}:CookieName"] ?? SessionSettings.DefaultCookieName;
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Session Auth API",
                Version = "v1",
                Description = "Cookie + server-side session authentication for single-page apps. "
                    + "POST /login sets an HttpOnly session cookie that the browser sends with every later request; "
                    + "in Swagger UI, log in first, then call the protected endpoints.",
            });
            options.AddSecurityDefinition(CookieSchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = cookieName,
                Description = "Opaque session token set by POST /login (HttpOnly, Secure, SameSite=Strict). The browser sends it by itself.",
            });
            options.OperationFilter<SessionSecurityOperationFilter>();
        });
        return builder;
    }

    public static WebApplication UseOpenApiDocument(this WebApplication app)
    {
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue<bool>("Swagger:Enabled"))
        {
            app.UseSwagger();
            app.UseSwaggerUI(options => options.EnablePersistAuthorization());
        }
        return app;
    }
}

/// <summary>Marks endpoints guarded by RequireAuth or RequireAdmin, for the OpenAPI document.</summary>
public sealed record RequiresSessionMetadata;

internal sealed class SessionSecurityOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RequiresSessionMetadata>().Any())
        {
            return;
        }
        operation.Security =
        [
            new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(OpenApiConfiguration.CookieSchemeName, context.Document)] = [],
            },
        ];
    }
}
