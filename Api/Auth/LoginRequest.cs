using Api.Users;
using FluentValidation;

namespace Api.Auth;

public sealed record LoginRequest(string? Email, string? Password, bool RememberMe = false);

public sealed record LoginResponse(UserResponse User);

public sealed class LoginRequestValidator : AbstractValidator<LoginRequest>
{
    public LoginRequestValidator()
    {
        RuleFor(x => x.Email).NotEmpty().MaximumLength(254).EmailAddress().PlainText();
        // No upper bound here: an over-long password is simply wrong (401), and is refused before any hashing.
        RuleFor(x => x.Password).NotEmpty();
    }
}
