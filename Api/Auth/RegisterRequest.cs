using Api.Users;
using FluentValidation;

namespace Api.Auth;

public sealed class RegistrationOptions
{
    public const string SectionName = "Registration";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// When true, a new account gets no session until its address is verified, and a correct login of an unverified
    /// account is refused (403 <c>email_not_verified</c>).
    /// </summary>
    public bool RequireVerifiedEmail { get; set; }

    /// <summary>How long the link in a verification mail works.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan VerificationTokenLifetime { get; set; } = TimeSpan.FromDays(2);
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
