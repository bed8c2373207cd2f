using System.ComponentModel.DataAnnotations;

namespace Api.Audit;

public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>How long events are kept.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(180);

    /// <summary>How long back a user sees their own activity.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan OwnActivityWindow { get; set; } = TimeSpan.FromDays(90);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    [Range(1, 100_000)]
    public int CleanupBatchSize { get; set; } = 1000;
}

public static class AuditConfiguration
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddSingleton<Infrastructure.ICleanupTask>(sp => sp.GetRequiredService<AuditTrail>());
        return builder;
    }
}
