using Api.Auth;
using Api.Infrastructure;
using FluentValidation;

namespace Api.Admin;

public sealed record UserListQuery(int? Page, int? PageSize, string? Search)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
}

public sealed class UserListQueryValidator : AbstractValidator<UserListQuery>
{
    public UserListQueryValidator()
    {
        RuleFor(x => x.Page).InclusiveBetween(1, 1_000_000);
        RuleFor(x => x.PageSize).InclusiveBetween(1, UserListQuery.MaxPageSize);
        RuleFor(x => x.Search).MaximumLength(100);
    }
}

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/admin").WithTags("Admin").RequireAdmin();

        group.MapGet("/users", ListUsers)
            .WithName("ListUsers")
            .WithSummary("Users, a page at a time, optionally filtered by a search on email and name.")
            .WithValidation<UserListQuery>();

        return routes;
    }

    public static async Task<Ok<PageResponse<AdminUserResponse>>> ListUsers([AsParameters] UserListQuery query, UserDirectory directory) =>
        TypedResults.Ok(await directory.ListAsync(query.Search, query.Page ?? 1, query.PageSize ?? UserListQuery.DefaultPageSize));

    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<UserDirectory>();
        return builder;
    }
}
