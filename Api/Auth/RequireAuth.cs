using Api.Infrastructure;
using Api.Sessions;

namespace Api.Auth;

public static class RequireAuth
{
    /// <summary>Only requests with a live session reach the group's handlers; others get 401.</summary>
    public static RouteGroupBuilder RequireSession(this RouteGroupBuilder group, SessionLookup lookup = SessionLookup.Read)
    {
        group.AddEndpointFilter(new RequireAuthFilter(lookup))
            .WithMetadata(new RequiresSessionMetadata())
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

    internal static ProblemHttpResult Unauthorized() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Authentication required",
        detail: "There is no valid session: log in with POST /login. The session cookie is missing, expired or revoked.");
}

internal sealed class RequireAuthFilter(SessionLookup lookup) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var services = context.HttpContext.RequestServices;
        var session = await services.GetRequiredService<SessionResolver>().ResolveAsync(context.HttpContext, lookup);
        if (session is null)
        {
            return RequireAuth.Unauthorized();
        }
        services.GetRequiredService<CurrentSession>().Set(session);
        return await next(context);
    }
}

internal sealed class RequireAdminFilter(CurrentSession current) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        current.Session.IsAdmin
            ? await next(context)
            : TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden",
                detail: "This endpoint is for administrators.");
}
