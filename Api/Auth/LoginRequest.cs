using Api.TwoFactor;
using Api.Users;
using FluentValidation;

namespace Api.Auth;

/// <summary>
/// The shape of ASP.NET Core Identity's <c>/login</c>: with a second factor on, the client sends the password again
/// together with <see cref="TwoFactorCode"/> (the authenticator's six digits) or <see cref="TwoFactorRecoveryCode"/>.
/// </summary>
public sealed record LoginRequest(string? Email, string? Password, bool RememberMe = false, string? TwoFactorCode = null, string? TwoFactorRecoveryCode = null)
{
    public SecondFactorProof SecondFactor() => new(TwoFactorCode, TwoFactorRecoveryCode);
}

public sealed record LoginResponse(UserResponse User);

public sealed class LoginRequestValidator : AbstractValidator<LoginRequest>
{
    public LoginRequestValidator()
    {
        RuleFor(x => x.Email).NotEmpty().MaximumLength(254).EmailAddress().PlainText();
        // No upper bound here: an over-long password is simply wrong (401), and is refused before any hashing.
        RuleFor(x => x.Password).NotEmpty();
        // The bounds only keep junk out; a code of the right length that is still wrong is a failed attempt (401).
        RuleFor(x => x.TwoFactorCode).MaximumLength(TwoFactorRules.MaxCodeLength).PlainText();
        RuleFor(x => x.TwoFactorRecoveryCode).MaximumLength(TwoFactorRules.MaxCodeLength).PlainText();
        RuleFor(x => x.TwoFactorRecoveryCode).Empty().When(x => !string.IsNullOrEmpty(x.TwoFactorCode))
            .WithMessage("Send either twoFactorCode or twoFactorRecoveryCode, not both.");
    }
}
