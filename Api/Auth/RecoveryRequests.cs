using Api.Users;
using FluentValidation;

namespace Api.Auth;

/// <summary>Asks for a link by address: a password reset, or the verification mail again.</summary>
public sealed record EmailRequest(string? Email);

public sealed record ResetPasswordRequest(string? Token, string? NewPassword);

public sealed record VerifyEmailRequest(string? Token);

/// <summary>The one answer to a request for a link, whether or not an account has the address.</summary>
public sealed record AcceptedResponse(string Message);

public sealed class EmailRequestValidator : AbstractValidator<EmailRequest>
{
    public EmailRequestValidator()
    {
        // As an account's address is validated: no account can have another kind, so nothing else is worth a lookup.
        RuleFor(x => x.Email).ValidEmail();
    }
}

public sealed class ResetPasswordRequestValidator : AbstractValidator<ResetPasswordRequest>
{
    public ResetPasswordRequestValidator()
    {
        RuleFor(x => x.Token).ValidToken();
        RuleFor(x => x.NewPassword).ValidNewPassword();
    }
}

public sealed class VerifyEmailRequestValidator : AbstractValidator<VerifyEmailRequest>
{
    public VerifyEmailRequestValidator()
    {
        RuleFor(x => x.Token).ValidToken();
    }
}

internal static class TokenRules
{
    // A token of the wrong shape is as invalid as a wrong one (token_invalid, from the endpoint); this only keeps out
    // what is not worth a lookup.
    public static IRuleBuilderOptions<T, string?> ValidToken<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(100).PlainText();
}
