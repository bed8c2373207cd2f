using Microsoft.AspNetCore.DataProtection;

namespace Api.Mail;

/// <summary>
/// Encrypts the bodies of waiting mails, which carry live links (a password reset, an email verification): whoever
/// reads the outbox table alone learns none of them. Every instance shares the key ring (Infrastructure/KeyRingConfiguration),
/// so any instance can send what another queued.
/// </summary>
internal sealed class MailBodyProtector(IDataProtectionProvider provider)
{
    // Part of every body's key derivation: renaming it makes every waiting mail unreadable.
    private const string Purpose = "Api.Mail.MailOutbox.Bodies";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string body) => _protector.Protect(body);

    public string Unprotect(string protectedBody) => _protector.Unprotect(protectedBody);
}
