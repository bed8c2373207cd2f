using Api.Admin;
using Api.Audit;
using Api.Auth;
using Api.Dashboard;
using Api.Infrastructure;
using Api.Mail;
using Api.Passwords;
using Api.Security;
using Api.Sessions;
using Api.TwoFactor;
using Api.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddTelemetry();
builder.AddDatabase();
builder.AddKeyRing();
builder.AddHealth();
builder.AddErrorHandling();
builder.AddValidation();
builder.AddSessions();
builder.AddPasswords();
builder.AddMail();
builder.AddAudit();
builder.AddUsers();
builder.AddTwoFactor();
builder.AddAuth();
builder.AddAdmin();
builder.AddSecurity();
builder.AddOpenApiDocument();

var app = builder.Build();

if (await app.RunCommandAsync(args) is int exitCode)
{
    return exitCode;
}

app.UseSecurity();
app.UseErrorHandling();
app.UseSessionPrincipal();
app.UseRateLimits();
app.UseOpenApiDocument();

app.MapHealth();
app.MapAuth();
app.MapRecovery();
app.MapTwoFactor();
app.MapDashboard();
app.MapUsers();
app.MapSessions();
app.MapAdmin();

await app.RunAsync();
return 0;

public partial class Program;
