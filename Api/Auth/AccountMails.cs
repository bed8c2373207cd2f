using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using Api.Audit;
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

    /// <summary>
    /// Requests for links that may wait unanswered at once. A flood beyond it (the worker stopped, or a botnet under the
    /// per-IP limit) is answered 202 like any other and dropped, so the table stays bounded.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPendingRequests { get; set; } = 10_000;

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
    AccountTokenStore tokens, MailOutbox outbox, AuditTrail audit, TimeProvider time,
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
        await SendAsync(transaction, user, purpose);
        if (purpose == TokenPurpose.PasswordReset)
        {
            // Asked by someone who typed the address; who that was is not known, so the event names no actor or address.
            await audit.WriteAsync(transaction, new AuditEvent(AuditEventTypes.PasswordResetRequested, user.Id));
        }
    }

    /// <summary>The verification mail of a new account.</summary>
    public Task SendVerificationAsync(NpgsqlTransaction transaction, MailRecipient user) =>
        SendAsync(transaction, user, TokenPurpose.EmailVerification);

    private async Task SendAsync(NpgsqlTransaction transaction, MailRecipient user, TokenPurpose purpose)
    {
        var mail = purpose == TokenPurpose.PasswordReset
            ? new MailText(_options.ResetUrl, passwords.Value.ResetTokenLifetime, "Reset your password",
                "someone, probably you, asked to reset your password. Choose a new one here:",
                "Choose a new password", "If it was not you, ignore this mail: your password stays as it is.")
            : new MailText(_options.VerifyUrl, registration.Value.VerificationTokenLifetime, "Confirm your email address",
                "please confirm that this is your email address by opening this link:",
                "Confirm my address", "If you did not create an account, ignore this mail.");
        var token = await tokens.IssueAsync(transaction, user.Id, purpose, mail.Lifetime);
        await outbox.EnqueueAsync(transaction, Compose(user, mail, mail.UrlTemplate.Replace("{token}", token, StringComparison.Ordinal)));
    }

    private sealed record MailText(string UrlTemplate, TimeSpan Lifetime, string Subject, string Lead, string Action, string Closing);

    private static OutgoingMail Compose(MailRecipient user, MailText mail, string link)
    {
        var (lifetime, lead, closing) = (mail.Lifetime, mail.Lead, mail.Closing);
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
            <p><a href="{WebUtility.HtmlEncode(link)}">{WebUtility.HtmlEncode(mail.Action)}</a></p>
            <p>The link works once, for {valid}. {WebUtility.HtmlEncode(closing)}</p>
            """;
        return new OutgoingMail(user.Email, mail.Subject, text, html);
    }
}
