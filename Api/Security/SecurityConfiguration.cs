using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Api.Infrastructure;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Api.Security;

public static class SecurityConfiguration
{
    public const string AuthRateLimit = "auth";

    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // The server's name and version help only those who look for known holes in it.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        services.AddOptions<CorsOriginOptions>().BindConfiguration(CorsOriginOptions.SectionName)
            .Configure<IConfiguration>((cors, configuration) => cors.ReadLists(configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RequestLimitOptions>().BindConfiguration(RequestLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrustedProxyOptions>().BindConfiguration(TrustedProxyOptions.SectionName)
            .Configure<IConfiguration>((proxies, configuration) => proxies.ReadLists(configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<SameSiteOriginCheck>();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<CorsOriginOptions>>((cors, settings) => cors.AddDefaultPolicy(policy => policy
                .WithOrigins(settings.Value.AllowedOrigins)
                .AllowCredentials()
                .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                .WithHeaders(settings.Value.EffectiveAllowedHeaders)
                // An SPA can only show "try again in N seconds", or follow a 201 to what it created, if it may read the header.
                .WithExposedHeaders(CorsOriginOptions.ExposedHeaders)
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));

        services.AddOptions<ForwardedHeadersOptions>()
            .Configure<IOptions<TrustedProxyOptions>>((forwarded, settings) =>
            {
                forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                // The framework trusts loopback by default; only the configured proxies may speak for a client.
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
                foreach (var proxy in settings.Value.KnownProxies)
                {
                    forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
                }
                foreach (var network in settings.Value.KnownNetworks)
                {
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
                }
            });

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = WriteTooManyRequestsAsync;
            limiter.AddPolicy(AuthRateLimit, http =>
            {
                var settings = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(ClientKey(http.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.AuthPermitLimit,
                    Window = settings.AuthWindow,
                    QueueLimit = 0,
                });
            });
        });
        return builder;
    }

    /// <summary>The security middleware, outermost first. Call before anything that reads the request.</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TrustedProxyOptions>>().Value.Any)
        {
            app.UseForwardedHeaders();
        }
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        // The addresses Kestrel listens on are known only once it has started.
        app.Lifetime.ApplicationStarted.Register(app.Services.GetRequiredService<SameSiteOriginCheck>().Run);
        app.UseMiddleware<SecurityHeaders>();
        app.UseCors();
        app.UseMiddleware<CrossOriginProtection>();
        app.UseMiddleware<RequestBodyLimit>();
        app.UseMiddleware<QueryStringGuard>();
        return app;
    }

    /// <summary>The per-client limits; after the session middleware, so a partition may use the signed-in user.</summary>
    public static WebApplication UseRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    // One IPv6 subscriber usually owns a whole /64; counting per address would let them rotate through it.
    private static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : (TimeSpan?)null;
        await Problems.TooManyAttempts(context.HttpContext, retryAfter, ProblemCodes.RateLimited).ExecuteAsync(context.HttpContext);
    }
}
