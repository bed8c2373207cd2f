using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using Api.Mail;
using Api.Passwords;
using Api.Users;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Auth;

/// <summary>The links the account mails carry, and how often one account may be mailed one kind of link.</summary>
public sealed class AccountMailOptions : IValidatableObject
{
    public const string SectionName = "Email";
    public const string DefaultResetUrl = "http://localhost:5173/#/reset?token={token}";
    public const string DefaultVerifyUrl = "http://localhost:5173/#/verify?token={token}";

    /// <summary>The SPA's reset page; <c>{token}</c> is replaced by the token. The sample SPA's by default.</summary>
    public string ResetUrl { get; set; } = DefaultResetUrl;

    /// <summary>The SPA's verification page; <c>{token}</c> is replaced by the token.</summary>
    public string VerifyUrl { get; set; } = DefaultVerifyUrl;

    /// <summary>
    /// An account is mailed at most one reset link, and one verification link, per interval, however often they are
    /// asked for; the requests beyond are answered 202 like any other and send nothing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan PerAccountInterval { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, url) in new[] { ("Email:ResetUrl", ResetUrl), ("Email:VerifyUrl", VerifyUrl) })
        {
            if (!url.Contains("{token}", StringComparison.Ordinal)
                || !Uri.TryCreate(url.Replace("{token}", "t", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult($"{name}: '{url}' must be an absolute http(s) URL containing {{token}}.");
            }
        }
    }
}

/// <summary>
/// Issues the tokens that account mails carry and puts the mails in the outbox, in the caller's transaction, so a token
/// exists exactly when its mail will be sent. Bodies come in plain text and HTML; the user's name is HTML-encoded.
/// </summary>
public sealed class AccountMails(
    AccountTokenStore tokens, MailOutbox outbox, TimeProvider time,
    IOptions<AccountMailOptions> options, IOptions<PasswordOptions> passwords, IOptions<RegistrationOptions> registration)
{
    private readonly AccountMailOptions _options = options.Value;

    /// <summary>Answers a queued request: mails the account named by <paramref name="email"/> if the request applies to it.</summary>
    public async Task SendForRequestAsync(NpgsqlTransaction transaction, TokenPurpose purpose, string email)
    {
        if (await UserStore.LockByEmailAsync(transaction, email) is not { DisabledAt: null } user
            || (purpose == TokenPurpose.EmailVerification && user.EmailVerifiedAt is not null)
            || await AccountTokenStore.IssuedSinceAsync(transaction, user.Id, purpose, time.GetUtcNow().UtcDateTime - _options.PerAccountInterval))
        {
            return;
        }
        if (purpose == TokenPurpose.PasswordReset)
        {
            await SendResetAsync(transaction, user);
        }
        else
        {
            await SendVerificationAsync(transaction, user);
        }
    }

    /// <summary>The verification mail of a new account.</summary>
    public async Task SendVerificationAsync(NpgsqlTransaction transaction, MailRecipient user)
    {
        var token = await tokens.IssueAsync(transaction, user.Id, TokenPurpose.EmailVerification, registration.Value.VerificationTokenLifetime);
        var link = Link(_options.VerifyUrl, token);
        await outbox.EnqueueAsync(transaction, Compose(user, "Confirm your email address",
            "please confirm that this is your email address by opening this link:",
            "Confirm my address", link, registration.Value.VerificationTokenLifetime,
            "If you did not create an account, ignore this mail."));
    }

    private async Task SendResetAsync(NpgsqlTransaction transaction, MailRecipient user)
    {
        var token = await tokens.IssueAsync(transaction, user.Id, TokenPurpose.PasswordReset, passwords.Value.ResetTokenLifetime);
        var link = Link(_options.ResetUrl, token);
        await outbox.EnqueueAsync(transaction, Compose(user, "Reset your password",
            "someone, probably you, asked to reset your password. Choose a new one here:",
            "Choose a new password", link, passwords.Value.ResetTokenLifetime,
            "If it was not you, ignore this mail: your password stays as it is."));
    }

    private static string Link(string template, string token) => template.Replace("{token}", token, StringComparison.Ordinal);

    private static OutgoingMail Compose(MailRecipient user, string subject, string lead, string action, string link, TimeSpan lifetime, string closing)
    {
        var valid = lifetime.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{lifetime.TotalHours:0.#} hour{(lifetime.TotalHours == 1 ? "" : "s")}")
            : string.Create(CultureInfo.InvariantCulture, $"{lifetime.TotalMinutes:0} minutes");
        var text = $"""
            Hello {user.Name},

            {lead}

            {link}

            The link works once, for {valid}. {closing}
            """;
        var html = $"""
            <p>Hello {WebUtility.HtmlEncode(user.Name)},</p>
            <p>{WebUtility.HtmlEncode(lead)}</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">{WebUtility.HtmlEncode(action)}</a></p>
            <p>The link works once, for {valid}. {WebUtility.HtmlEncode(closing)}</p>
            """;
        return new OutgoingMail(user.Email, subject, text, html);
    }
}
