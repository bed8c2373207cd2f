using System.ComponentModel.DataAnnotations;
using Api.Sessions;
using Api.Users;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace Api.Admin;

public sealed record UserListQuery(
    [FromQuery(Name = "page")] int? Page,
    [FromQuery(Name = "pageSize")] int? PageSize,
    [FromQuery(Name = "search")] string? Search)
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

/// <summary>Fields left out (or null) stay as they are.</summary>
public sealed record UpdateUserRequest(string? Name, [property: AllowedValues(Roles.User, Roles.Admin)] string? Role, bool? Disabled);

public sealed class UpdateUserRequestValidator : AbstractValidator<UpdateUserRequest>
{
    public UpdateUserRequestValidator()
    {
        RuleFor(x => x.Name).ValidName().When(x => x.Name is not null);
        RuleFor(x => x.Role).ValidRole().When(x => x.Role is not null);
        RuleFor(x => x).Must(x => x.Name is not null || x.Role is not null || x.Disabled is not null)
            .WithName("body")
            .WithMessage("Give at least one of name, role and disabled.");
    }
}
