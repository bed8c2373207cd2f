using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CookiePeer;

public sealed record LoginRequest(string? Email, string? Password, bool RememberMe = false);

public sealed record UserResponse(long Id, string Email, string Name, string Role);

public sealed record DashboardResponse(UserResponse User, int Views);

public static class Roles
{
    public const string Admin = "admin";
}

public static class Policies
{
    public const string Admin = "admin";
}

public static class Lifetimes
{
    /// <summary>A ticket without remember-me: sliding, and the cookie ends with the browser.</summary>
    public static readonly TimeSpan Session = TimeSpan.FromHours(24);

    /// <summary>A ticket with remember-me: sliding, and the cookie is persistent.</summary>
    public static readonly TimeSpan RememberMe = TimeSpan.FromDays(30);
}

public static class AccountEndpoints
{
    private const string ViewsClaim = "views";

    public static IEndpointRouteBuilder MapAccount(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/login", Login).WithName("Login");
        // Cast: a handler whose only parameter is HttpContext would otherwise bind as a RequestDelegate and drop its result.
        routes.MapPost("/logout", (Delegate)Logout).WithName("Logout").RequireAuthorization();
        routes.MapGet("/profile", GetProfile).WithName("GetProfile").RequireAuthorization();
        routes.MapGet("/dashboard", GetDashboard).WithName("GetDashboard").RequireAuthorization();
        routes.MapGet("/admin", GetAdmin).WithName("GetAdmin").RequireAuthorization(Policies.Admin);
        routes.MapGet("/health", () => TypedResults.Ok()).WithName("Health");
        return routes;
    }

    /// <summary>Reads the user row (the same users table as the API's), checks the password, issues the ticket.</summary>
    public static async Task<Results<Ok<UserResponse>, UnauthorizedHttpResult, BadRequest>> Login(
        LoginRequest request, NpgsqlDataSource database, TimeProvider time, HttpContext context)
    {
        if (string.IsNullOrEmpty(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return TypedResults.BadRequest();
        }
        var user = await FindActiveUserByEmailAsync(database, request.Email, context.RequestAborted);
        if (user is null || !BCrypt.Net.BCrypt.Verify(request.Password, user.PasswordHash))
        {
            return TypedResults.Unauthorized();
        }
        var response = new UserResponse(user.Id, user.Email, user.Name, user.Role);
        var now = time.GetUtcNow();
        var lifetime = request.RememberMe ? Lifetimes.RememberMe : Lifetimes.Session;
        await context.SignInAsync(Principal(response, views: 0),
            new AuthenticationProperties { IsPersistent = request.RememberMe, IssuedUtc = now, ExpiresUtc = now + lifetime });
        return TypedResults.Ok(response);
    }

    public static async Task<NoContent> Logout(HttpContext context)
    {
        await context.SignOutAsync();
        return TypedResults.NoContent();
    }

    /// <summary>Answers from the ticket's claims: no database.</summary>
    public static Ok<UserResponse> GetProfile(ClaimsPrincipal user) => TypedResults.Ok(FromClaims(user));

    /// <summary>
    /// A stateless ticket has nowhere on the server to count views: the count travels in the ticket, and every view
    /// re-issues it (a new encrypted cookie per request), keeping its persistence and lifetime.
    /// </summary>
    public static async Task<Ok<DashboardResponse>> GetDashboard(ClaimsPrincipal user, TimeProvider time, HttpContext context)
    {
        var current = await context.AuthenticateAsync();
        var views = int.Parse(user.FindFirstValue(ViewsClaim) ?? "0", CultureInfo.InvariantCulture) + 1;
        var response = FromClaims(user);
        var old = current.Properties;
        var now = time.GetUtcNow();
        var lifetime = old?.ExpiresUtc - old?.IssuedUtc ?? Lifetimes.Session;
        await context.SignInAsync(Principal(response, views),
            new AuthenticationProperties { IsPersistent = old?.IsPersistent ?? false, IssuedUtc = now, ExpiresUtc = now + lifetime });
        return TypedResults.Ok(new DashboardResponse(response, views));
    }

    public static Ok<UserResponse> GetAdmin(ClaimsPrincipal user) => TypedResults.Ok(FromClaims(user));

    private static ClaimsPrincipal Principal(UserResponse user, int views) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(ClaimTypes.Name, user.Name),
            new Claim(ClaimTypes.Role, user.Role),
            new Claim(ViewsClaim, views.ToString(CultureInfo.InvariantCulture)),
        ], CookieAuthenticationDefaults.AuthenticationScheme));

    private static UserResponse FromClaims(ClaimsPrincipal user) => new(
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture),
        user.FindFirstValue(ClaimTypes.Email)!,
        user.FindFirstValue(ClaimTypes.Name)!,
        user.FindFirstValue(ClaimTypes.Role)!);

    private sealed record UserRow(long Id, string Email, string Name, string Role, string PasswordHash);

    // email_key() is the users table's case-insensitive key (db/migrations/0005), so this uses its unique index.
    private static async Task<UserRow?> FindActiveUserByEmailAsync(NpgsqlDataSource database, string email, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT id, email, name, role, password_hash
            FROM users
            WHERE email_key = email_key($1) AND disabled_at IS NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = email });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new UserRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4))
            : null;
    }
}
