using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Api.Passwords;

/// <summary>
/// Hashes and checks user passwords with bcrypt at the configured <see cref="PasswordOptions.WorkFactor"/>.
/// Passwords are UTF-8 encoded (a lone surrogate becomes U+FFFD, as in Node and BCrypt.Net) and must fit
/// bcrypt's 72-byte key: longer ones are refused rather than silently truncated, so two long passwords
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

    /// <summary>
    /// Whether the password matches the stored hash. Never throws. A password over <see cref="MaxBytes"/>
    /// bytes is answered false at once, without hashing, so oversized input costs an attacker's request
    /// nothing of ours.
    /// </summary>
    public bool Verify(string password, string hash)
    {
        if (password is null || hash is null)
        {
            return false;
        }

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
