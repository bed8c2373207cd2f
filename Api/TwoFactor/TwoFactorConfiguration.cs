using System.ComponentModel.DataAnnotations;

namespace Api.TwoFactor;

public sealed class TwoFactorOptions
{
    public const string SectionName = "TwoFactor";

    /// <summary>The name authenticator apps show above the account's codes.</summary>
    [Required, MinLength(1), MaxLength(100), RegularExpression(@"^[^:\p{C}]+$", ErrorMessage = "TwoFactor:Issuer must not contain a colon or control characters.")]
    public string Issuer { get; set; } = "Session Auth API";
}

public static class TwoFactorConfiguration
{
    public static WebApplicationBuilder AddTwoFactor(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TwoFactorOptions>().BindConfiguration(TwoFactorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TwoFactorStore>();
        builder.Services.AddSingleton<SharedKeys>();
        builder.Services.AddSingleton<SecondFactor>();
        builder.Services.AddSingleton<Infrastructure.ICliCommand, ReprotectKeysCommand>();
        return builder;
    }
}
