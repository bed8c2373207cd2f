using Api.Passwords;
using Api.Sessions;
using FluentValidation;

namespace Api.Users;

/// <summary>The rules for choosing a password and an email, shared by every place that sets them.</summary>
public static class PasswordRules
{
    public const int MinLength = 8;

    public static IRuleBuilderOptions<T, string?> ValidNewPassword<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .MinimumLength(MinLength)
            // bcrypt reads only 72 bytes; refusing longer passwords means none is ever silently truncated.
            .Must(password => password is null || PasswordHasher.FitsBcrypt(password))
            .WithMessage($"'{{PropertyName}}' must be at most {PasswordHasher.MaxBytes} bytes in UTF-8.")
            .Must(password => password is null || !password.Contains('\0', StringComparison.Ordinal))
            .WithMessage("'{PropertyName}' must not contain NUL characters.");

    public static IRuleBuilderOptions<T, string?> ValidEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .MaximumLength(254)
            .EmailAddress()
            .PlainText()
            .Must(email => email is null || email == email.Trim())
            .WithMessage("'{PropertyName}' must not start or end with spaces.")
            .Must(email => email is null || Mail.MailOutbox.IsDeliverable(email))
            .WithMessage("'{PropertyName}' must be one plain address like name@example.com, with no display name, list or comment.");

    public static IRuleBuilderOptions<T, string?> ValidName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .MaximumLength(100)
            .PlainText()
            .Must(name => name is null || name == name.Trim())
            .WithMessage("'{PropertyName}' must not start or end with spaces.");

    /// <summary>
    /// No control characters (C0, DEL, C1: NUL among them, which PostgreSQL cannot store), no bidirectional overrides or
    /// isolates (which make "gnp.exe" display as "exe.png"), and no broken UTF-16. Every script, accent, emoji and
    /// apostrophe is welcome.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> PlainText<T>(this IRuleBuilderOptions<T, string?> rule) =>
        rule.Must(text => text is null || IsPlainText(text))
            .WithMessage("'{PropertyName}' must not contain control characters, bidirectional overrides or broken characters.");

    internal static bool IsPlainText(string text) =>
        Infrastructure.Text.IsWellFormed(text)
        && !text.Any(c => char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069');

    public static IRuleBuilderOptions<T, string?> ValidRole<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .Must(Roles.IsValid)
            .WithMessage($"'{{PropertyName}}' must be '{Roles.User}' or '{Roles.Admin}'.");
}
