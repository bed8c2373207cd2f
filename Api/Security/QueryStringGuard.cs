using Api.Infrastructure;
namespace Api.Security;

/// <summary>
/// Refuses a query string that holds NUL in a name or value with a 400 validation problem naming the parameter, before
/// any endpoint runs: PostgreSQL cannot store NUL in text, and no parameter of this API has a use for it. The JSON
/// counterpart for bodies is <see cref="Infrastructure.StrictJson"/>.
/// </summary>
internal sealed class QueryStringGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        foreach (var (name, values) in context.Request.Query)
        {
            if (name.Contains('\0', StringComparison.Ordinal) || values.Any(v => v is not null && v.Contains('\0', StringComparison.Ordinal)))
            {
                var field = name.Replace("\0", "", StringComparison.Ordinal);
                var message = $"'{field}' must not contain NUL characters.";
                await Problems.Field(field, message).ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    }
}
