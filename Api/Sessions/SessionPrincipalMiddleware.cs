namespace Api.Sessions;

/// <summary>Which lookup a guarded endpoint's session needs (a dashboard counts its view in the same statement).</summary>
public sealed record SessionLookupMetadata(SessionLookup Lookup);

/// <summary>
/// Resolves the session of a guarded endpoint before the rate limiter and the handler run, so that
/// <see cref="HttpContext.User"/> is the signed-in user for everything downstream: rate-limit partitions, authorization
/// policies, and a logging scope with the user and session ids. It runs only where RequireSession put its metadata
/// (<c>/health</c> and <c>/login</c> cost nothing), with the endpoint's own lookup, and the session filter reuses its
/// answer: still one statement per authenticated request. The filters keep deciding 401 and 403.
/// </summary>
public sealed class SessionPrincipalMiddleware(RequestDelegate next, SessionResolver resolver, ILogger<SessionPrincipalMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, CurrentSession current)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<SessionLookupMetadata>() is not { } metadata)
        {
            await next(context);
            return;
        }
        var session = await resolver.ResolveAsync(context, metadata.Lookup);
        current.Set(session);
        if (session is null)
        {
            await next(context);
            return;
        }
        context.User = SessionPrincipal.For(session);
        using (logger.BeginScope(new Dictionary<string, object> { ["UserId"] = session.UserId, ["SessionId"] = session.SessionId }))
        {
            await next(context);
        }
    }
}
