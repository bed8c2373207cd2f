using System.Security.Cryptography;
using System.Text;
using Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Api.Passwords;

/// <summary>How a password matched a stored hash.</summary>
public enum PasswordMatch
{
    None,

    /// <summary>Its NFC form matched: how every hash made here is made.</summary>
    Normalized,

    /// <summary>Only the text as typed matched: a hash made elsewhere, without normalization. Rehash it.</summary>
    AsTyped,
}

/// <summary>
/// Hashes and checks user passwords with bcrypt at the configured <see cref="PasswordOptions.WorkFactor"/>.
/// Passwords are hashed in Unicode NFC (NIST SP 800-63B), so "é" typed as one code point or as "e" plus an accent is the
/// same password on every keyboard. They are UTF-8 encoded (a lone surrogate becomes U+FFFD, as in Node and BCrypt.Net)
/// and must fit bcrypt's 72-byte key: longer ones are refused rather than silently truncated, so two long passwords
/// that share their first 72 bytes can never stand in for each other.
/// </summary>
public sealed class PasswordHasher(IOptions<PasswordOptions> options)
{
    public const int MaxBytes = 72;

    private readonly int _workFactor = options.Value.WorkFactor;

    /// <summary>
    /// Whether the password's UTF-8 form is at most <see cref="MaxBytes"/> bytes. A string of more than
    /// <see cref="MaxBytes"/> chars cannot fit, so it is refused without encoding anything.
    /// </summary>
    public static bool FitsBcrypt(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        password = Text.Nfc(password);
        return password.Length <= MaxBytes && Encoding.UTF8.GetByteCount(password) <= MaxBytes;
    }

    /// <summary>
    /// A <c>$2b$</c> hash at the configured cost. An empty password hashes like any other: refusing it is
    /// registration's job, not bcrypt's.
    /// </summary>
    /// <exception cref="ArgumentException">The password is over <see cref="MaxBytes"/> UTF-8 bytes; check <see cref="FitsBcrypt"/> first.</exception>
    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        password = Text.Nfc(password);
        Span<byte> bytes = stackalloc byte[MaxBytes];
        try
        {
            if (!TryEncode(password, bytes, out var length))
            {
                throw new ArgumentException($"The password is longer than {MaxBytes} UTF-8 bytes.", nameof(password));
            }

            return BCrypt.HashPassword(bytes[..length], _workFactor);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Whether the password matches the stored hash, in either form (see <see cref="Check"/>). Never throws.</summary>
    public bool Verify(string password, string hash) => Check(password, hash) != PasswordMatch.None;

    /// <summary>
    /// Checks the NFC form first; if that fails and the text as typed differs, checks that too, for hashes made
    /// elsewhere from unnormalized text. The second check runs whenever the forms differ, whether or not the hash is
    /// a real one, so unknown accounts (checked against a dummy hash) cost the same. Never throws. A password over
    /// <see cref="MaxBytes"/> bytes is no match at once, without hashing, so oversized input costs an attacker's
    /// request nothing of ours.
    /// </summary>
    public PasswordMatch Check(string password, string hash)
    {
        if (password is null || hash is null)
        {
            return PasswordMatch.None;
        }
        var normalized = Text.Nfc(password);
        if (Matches(normalized, hash))
        {
            return PasswordMatch.Normalized;
        }
        return !string.Equals(normalized, password, StringComparison.Ordinal) && Matches(password, hash) ? PasswordMatch.AsTyped : PasswordMatch.None;
    }

    private static bool Matches(string password, string hash)
    {
        Span<byte> bytes = stackalloc byte[MaxBytes];
        try
        {
            return TryEncode(password, bytes, out var length) && BCrypt.Verify(bytes[..length], hash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Whether a stored hash should be replaced after a successful login: another cost, not <c>$2b$</c>, or unreadable.</summary>
    public bool NeedsRehash(string hash) =>
        !BCrypt.TryParse(hash, out var minor, out var cost) || minor != 'b' || cost != _workFactor;

    private static bool TryEncode(string password, Span<byte> buffer, out int length)
    {
        length = 0;
        return password.Length <= MaxBytes && Encoding.UTF8.TryGetBytes(password, buffer, out length);
    }
}
