namespace Api.Infrastructure;

public static class NoStore
{
    /// <summary>
    /// Responses that set a cookie or answer a request that carried one may hold personal data: no cache, shared or
    /// private, may keep them.
    /// </summary>
    public static WebApplication UseNoStoreForSessionTraffic(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (headers.SetCookie.Count > 0 || context.Request.Headers.Cookie.Count > 0
                    || context.GetEndpoint()?.Metadata.GetMetadata<RequiresSessionMetadata>() is not null)
                {
                    headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
