namespace Api.Admin;

public static class AdminConfiguration
{
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<UserDirectory>();
        builder.Services.AddSingleton<UserAdministration>();
        return builder;
    }
}
