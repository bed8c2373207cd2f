using CookiePeer;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

// ASP.NET Core's own cookie authentication, the peer that never reads a database after login: the whole session is a
// ticket encrypted with Data Protection into the cookie, so GET /profile is the ceiling for an authenticated read.
var builder = WebApplication.CreateBuilder(args);

var connectionString = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings:Postgres is required.");
builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
builder.Services.AddSingleton(TimeProvider.System);

// Keys live in memory for the life of the process: bench/run.sh logs in and measures within one process.
builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(options =>
    {
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        // Not Secure: wrk talks plain HTTP to 127.0.0.1, where a browser would not send a Secure cookie back either.
        // Behind TLS this is CookieSecurePolicy.Always; it changes nothing per request.
        options.Cookie.SecurePolicy = CookieSecurePolicy.None;
        options.ExpireTimeSpan = Lifetimes.Session;
        options.SlidingExpiration = true;
        // An API answers 401 and 403 rather than redirecting to a login page.
        options.Events.OnRedirectToLogin = context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        };
        options.Events.OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    });
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin));

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();

app.MapAccount();

app.Run();
