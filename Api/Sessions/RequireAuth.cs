using Api.Infrastructure;

namespace Api.Sessions;

public static class RequireAuth
{
    /// <summary>Only requests with a live session reach the group's handlers; others get 401.</summary>
    public static RouteGroupBuilder RequireSession(this RouteGroupBuilder group, SessionLookup lookup = SessionLookup.Read)
    {
        group.AddEndpointFilter(new RequireAuthFilter(lookup))
            .WithMetadata(new RequiresSessionMetadata(), new SessionLookupMetadata(lookup))
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return group;
    }

    /// <summary>As <see cref="RequireSession"/>, then 403 unless the session's user is an admin right now.</summary>
    public static RouteGroupBuilder RequireAdmin(this RouteGroupBuilder group)
    {
        group.RequireSession()
            .AddEndpointFilter<RequireAdminFilter>()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return group;
    }
}

internal sealed class RequireAuthFilter(SessionLookup lookup) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var services = context.HttpContext.RequestServices;
        var resolver = services.GetRequiredService<SessionResolver>();
        var current = services.GetRequiredService<CurrentSession>();
        // SessionPrincipalMiddleware has normally resolved it already, with this endpoint's lookup: never twice.
        var session = current.Resolved ? current.Found : await resolver.ResolveAsync(context.HttpContext, lookup);
        if (session is null)
        {
            // An SPA says "your session has ended, log in again" for one and simply shows the login form for the other.
            return resolver.CookieWasSent(context.HttpContext.Request) ? Problems.SessionExpired() : Problems.SessionRequired();
        }
        if (!current.Resolved)
        {
            current.Set(session);
            context.HttpContext.User = SessionPrincipal.For(session);
        }
        return await next(context);
    }
}

internal sealed class RequireAdminFilter(CurrentSession current) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        current.Session.IsAdmin
            ? await next(context)
            : Problems.ForbiddenRole();
}
