using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Mail;

public static class MailConfiguration
{
    /// <summary>
    /// The outbox (<see cref="MailOutbox"/>, for use cases that send mail), its background dispatcher and its cleanup.
    /// Needs the shared key ring (<c>AddKeyRing</c>) for the bodies.
    /// </summary>
    public static WebApplicationBuilder AddMail(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MailOptions>()
            .BindConfiguration(MailOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<OutboxStore>();
        builder.Services.AddSingleton<MailBodyProtector>();
        // The constructor is internal, keeping the feature's inner types out of its public surface.
        builder.Services.AddSingleton(sp => new MailOutbox(
            sp.GetRequiredService<MailBodyProtector>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<MailOptions>>()));
        builder.Services.AddHostedService<MailDispatcher>();
        builder.Services.AddSingleton<MailCleanup>();
        builder.Services.AddSingleton<ICleanupTask>(sp => sp.GetRequiredService<MailCleanup>());
        return builder;
    }
}
