using Api.TwoFactor;
using Api.Users;
using FluentValidation;

namespace Api.Auth;

public sealed record TwoFactorSetupRequest(string? CurrentPassword);

/// <summary>The key to add to an authenticator app: typed in as <see cref="SharedKey"/>, or scanned from <see cref="OtpauthUri"/> as a QR code.</summary>
public sealed record TwoFactorSetupResponse(string SharedKey, string OtpauthUri);

public sealed record TwoFactorEnableRequest(string? Code);

/// <summary>Shown once: only their hashes are kept.</summary>
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <summary><see cref="Code"/> is the authenticator's current code or one of the recovery codes.</summary>
public sealed record TwoFactorChangeRequest(string? CurrentPassword, string? Code);

public sealed class TwoFactorSetupRequestValidator : AbstractValidator<TwoFactorSetupRequest>
{
    public TwoFactorSetupRequestValidator()
    {
        RuleFor(x => x.CurrentPassword).NotEmpty();
    }
}

public sealed class TwoFactorEnableRequestValidator : AbstractValidator<TwoFactorEnableRequest>
{
    public TwoFactorEnableRequestValidator()
    {
        RuleFor(x => x.Code).NotEmpty().MaximumLength(TwoFactorRules.MaxCodeLength).PlainText();
    }
}

public sealed class TwoFactorChangeRequestValidator : AbstractValidator<TwoFactorChangeRequest>
{
    public TwoFactorChangeRequestValidator()
    {
        RuleFor(x => x.CurrentPassword).NotEmpty();
        RuleFor(x => x.Code).NotEmpty().MaximumLength(TwoFactorRules.MaxCodeLength).PlainText();
    }
}
