using System.Diagnostics;
using Api.Audit;
using Api.Infrastructure;
using Api.Sessions;
using Api.Users;

namespace Api.Admin;

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/admin").WithTags("Admin").RequireAdmin();

        group.MapGet("/users", ListUsers)
            .WithName("ListUsers")
            .WithSummary("Users, a page at a time, optionally filtered by a search on email and name.")
            .WithValidation<UserListQuery>();

        group.MapPost("/users", CreateUser)
            .WithName("CreateUser")
            .WithSummary("Create a user with a role.")
            .WithValidation<NewUser>()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPatch("/users/{id:long}", UpdateUser)
            .WithName("UpdateUser")
            .WithSummary("Change a user's name, role or disabled state. A role change or disabling ends all their sessions.")
            .WithDescription("An admin cannot demote or disable themselves (409), so the system always keeps an admin.")
            .WithValidation<UpdateUserRequest>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/users/{id:long}/sessions", RevokeUserSessions)
            .WithName("RevokeUserSessions")
            .WithSummary("Log the user out everywhere.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/audit", ListAuditEvents)
            .WithName("ListAuditEvents")
            .WithSummary("The audit trail, newest first: every security event, optionally of one user or one type.")
            .WithDescription("Page with `before`: the `next` of the previous page (an event id). `limit` is 1-100, 50 by default.")
            .WithValidation<AuditQuery>();

        group.MapDelete("/users/{id:long}/2fa", ResetTwoFactor)
            .WithName("ResetUserTwoFactor")
            .WithSummary("Turn off a user's two-factor authentication (a lost authenticator and no recovery codes left): their recovery codes die and they are logged out everywhere.")
            .WithDescription("204 also when it was off. The user can then log in with their password alone and set up a new authenticator.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    public static async Task<Ok<PageResponse<AdminUserResponse>>> ListUsers([AsParameters] UserListQuery query, UserDirectory directory) =>
        TypedResults.Ok(await directory.ListAsync(query.Search, query.Page ?? 1, query.PageSize ?? UserListQuery.DefaultPageSize));

    public static async Task<Results<Created<AdminUserResponse>, ProblemHttpResult>> CreateUser(
        NewUser request, HttpContext http, CurrentSession current, UserAdministration administration, UserDirectory directory) =>
        await administration.CreateAsync(AdminActor.Of(current.Session, http), request, http.RequestAborted) switch
        {
            AdminResult<long>.Applied(var id) => TypedResults.Created($"/admin/users/{id}", await directory.FindAsync(id)),
            AdminResult<long>.Refused(var reason) => Refusal(reason, http),
            _ => throw new UnreachableException(),
        };

    public static async Task<Results<Ok<AdminUserResponse>, ProblemHttpResult>> UpdateUser(
        long id, UpdateUserRequest request, HttpContext http, CurrentSession current, UserAdministration administration) =>
        await administration.UpdateAsync(AdminActor.Of(current.Session, http), id, request) switch
        {
            AdminResult<AdminUserResponse>.Applied(var user) => TypedResults.Ok(user),
            AdminResult<AdminUserResponse>.Refused(var reason) => Refusal(reason, http),
            _ => throw new UnreachableException(),
        };

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeUserSessions(
        long id, HttpContext http, CurrentSession current, UserAdministration administration) =>
        await administration.RevokeSessionsAsync(AdminActor.Of(current.Session, http), id) switch
        {
            AdminResult<int>.Applied => TypedResults.NoContent(),
            AdminResult<int>.Refused(var reason) => Refusal(reason, http),
            _ => throw new UnreachableException(),
        };

    public static async Task<Ok<AuditPage>> ListAuditEvents([AsParameters] AuditQuery query, AuditTrail audit) =>
        TypedResults.Ok(await audit.SearchAsync(query.UserId, query.Type, query.Before, query.Limit ?? AuditQuery.DefaultLimit));

    public static async Task<Results<NoContent, ProblemHttpResult>> ResetTwoFactor(
        long id, HttpContext http, CurrentSession current, UserAdministration administration) =>
        await administration.ResetTwoFactorAsync(AdminActor.Of(current.Session, http), id) switch
        {
            AdminResult<bool>.Applied => TypedResults.NoContent(),
            AdminResult<bool>.Refused(var reason) => Refusal(reason, http),
            _ => throw new UnreachableException(),
        };

    private static ProblemHttpResult Refusal(AdminRefusal reason, HttpContext http) => reason switch
    {
        AdminRefusal.NotFound => Problems.UserNotFound(),
        AdminRefusal.WouldLockOutSelf => Problems.WouldLockOutSelf(),
        AdminRefusal.EmailTaken => Problems.EmailTaken(),
        AdminRefusal.Busy => Problems.PasswordCheckBusy(http),
        _ => Problems.NoLongerAdmin(),
    };

}
