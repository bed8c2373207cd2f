using Api.Infrastructure;

namespace Api.Auth;

/// <summary>The <c>auth.logins</c> outcome of a login that was refused with a credential check's result.</summary>
public static class LoginOutcomes
{
    /// <summary>A <see cref="CredentialResult.Valid"/> login is refused only for an unverified address.</summary>
    public static LoginOutcome OfRefused(CredentialResult result) => result switch
    {
        CredentialResult.Locked => LoginOutcome.Locked,
        CredentialResult.Busy => LoginOutcome.Busy,
        CredentialResult.Valid => LoginOutcome.EmailNotVerified,
        CredentialResult.SecondFactorRequired => LoginOutcome.TwoFactorRequired,
        CredentialResult.SecondFactorWrong => LoginOutcome.TwoFactorInvalid,
        _ => LoginOutcome.InvalidCredentials,
    };
}
