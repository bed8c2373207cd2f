using Api.Audit;
using Api.Infrastructure;
using Api.Sessions;
using Microsoft.Extensions.Options;

namespace Api.Users;

public static class UsersEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/profile").WithTags("Profile").RequireSession();

        group.MapGet("", GetProfile)
            .WithName("GetProfile")
            .WithSummary("The logged-in user's profile.");

        group.MapGet("/activity", GetActivity)
            .WithName("GetActivity")
            .WithSummary("The caller's own security activity of the last 90 days, newest first: logins, failed logins, password and two-factor changes, revoked sessions.")
            .WithDescription("Where an admin acted on the account, the admin's address and browser are left out. Page with `before` (the previous page's `next`).")
            .WithValidation<ActivityQuery>();

        group.MapPut("", UpdateProfile)
            .WithName("UpdateProfile")
            .WithSummary("Change the logged-in user's name.")
            .WithValidation<UpdateProfileRequest>();

        return routes;
    }

    // The session lookup already joined the user's current row, so the profile costs no further query.
    public static Ok<ProfileResponse> GetProfile(CurrentSession current) => TypedResults.Ok(ProfileResponse.From(current.Session));

    public static async Task<Ok<AuditPage>> GetActivity(
        [AsParameters] ActivityQuery query, CurrentSession current, AuditTrail audit, IOptions<AuditOptions> options, TimeProvider time) =>
        TypedResults.Ok(await audit.OwnAsync(current.Session.UserId, time.GetUtcNow().UtcDateTime - options.Value.OwnActivityWindow,
            query.Before, query.Limit ?? AuditQuery.DefaultLimit));

    public static async Task<Ok<ProfileResponse>> UpdateProfile(UpdateProfileRequest request, CurrentSession current, UserStore users, SessionCache cache)
    {
        var session = current.Session;
        var name = Text.Nfc(request.Name!);
        await users.UpdateNameAsync(session.UserId, name);
        cache.EvictUser(session.UserId, SessionCacheEviction.Changed);
        return TypedResults.Ok(ProfileResponse.From(session, name));
    }
}
