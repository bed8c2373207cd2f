using Api.Users;
using FluentValidation;

namespace Api.Auth;

public sealed class RegistrationOptions
{
    public const string SectionName = "Registration";

    public bool Enabled { get; set; } = true;
}

public sealed record RegisterRequest(string? Email, string? Name, string? Password);

public sealed class RegisterRequestValidator : AbstractValidator<RegisterRequest>
{
    public RegisterRequestValidator()
    {
        RuleFor(x => x.Email).ValidEmail();
        RuleFor(x => x.Name).ValidName();
        RuleFor(x => x.Password).ValidNewPassword();
    }
}
