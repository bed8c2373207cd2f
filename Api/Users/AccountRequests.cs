using FluentValidation;

namespace Api.Users;

public sealed record UpdateProfileRequest(string? Name);

public sealed class UpdateProfileRequestValidator : AbstractValidator<UpdateProfileRequest>
{
    public UpdateProfileRequestValidator()
    {
        RuleFor(x => x.Name).ValidName();
    }
}
