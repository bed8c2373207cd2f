using System.Security.Cryptography;
using System.Text;

namespace Api.Passwords;

/// <summary>
/// bcrypt in the modular crypt format <c>$2b$12$</c> + 22-character salt + 31-character digest, computed
/// exactly as crypt_blowfish (libxcrypt's <c>crypt(3)</c>, PHP's <c>password_hash</c>) computes it, so hashes
/// move between this service and libxcrypt, PHP, Node's bcrypt, BCrypt.Net-Next and pgcrypto; README.md
/// beside this file records what was checked and the caveats (pgcrypto reads only <c>$2a$</c>).
/// </summary>
/// <remarks>
/// <para>
/// The key is the password's bytes followed by one NUL, repeated to 72 bytes: bytes after the 72nd never
/// count. Callers that must not silently truncate check the length first, as <see cref="PasswordHasher"/> does.
/// </para>
/// <para>
/// Embedded NUL bytes are hashed as given, as pyca/bcrypt and BCrypt.Net do, so <c>abc\0def</c> and
/// <c>abc</c> differ. C <c>crypt(3)</c> stops at the first NUL and would treat them alike; hashes of
/// passwords without NUL, which are all the API accepts, agree everywhere.
/// </para>
/// <para>
/// <c>$2a$</c> follows crypt_blowfish and libxcrypt rather than OpenBSD: a password longer than 255 bytes
/// hashes like its first 72 bytes (no length wraparound), and 8-bit bytes get crypt_blowfish's 2011
/// countermeasure. <c>$2b$</c> and <c>$2y$</c> are the same algorithm. <c>$2x$</c> reproduces the
/// pre-2011 sign-extension bug so that hashes made with it still verify; nothing here creates one
/// unless asked to by an explicit setting.
/// </para>
/// </remarks>
public static class BCrypt
{
    public const int MinCost = 4;
    public const int MaxCost = 31;

    private const int SaltOffset = 7;
    private const int SaltChars = 22;
    private const int SettingLength = SaltOffset + SaltChars;
    private const int DigestChars = 31;
    private const int HashLength = SettingLength + DigestChars;

    /// <summary>Hashes with a fresh 16-byte random salt, as <c>$2b$</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cost"/> is outside 4..31.</exception>
    public static string HashPassword(ReadOnlySpan<byte> password, int cost)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cost, MinCost);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cost, MaxCost);
        Span<byte> salt = stackalloc byte[EksBlowfish.SaltLength];
        RandomNumberGenerator.Fill(salt);
        return Format(password, 'b', cost, salt);
    }

    /// <summary>
    /// Hashes with an explicit 29-character setting such as <c>$2a$05$CCCCCCCCCCCCCCCCCCCCC.</c>, for
    /// published test vectors and tools; production code uses <see cref="HashPassword(ReadOnlySpan{byte}, int)"/>.
    /// </summary>
    /// <exception cref="FormatException"><paramref name="setting"/> is not a valid bcrypt setting.</exception>
    public static string HashPassword(ReadOnlySpan<byte> password, string setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        Span<byte> salt = stackalloc byte[EksBlowfish.SaltLength];
        if (setting.Length != SettingLength || !TryParseSetting(setting, out var minor, out var cost, salt))
        {
            throw new FormatException("Expected a bcrypt setting: $2a$, $2b$, $2x$ or $2y$, a two-digit cost from 04 to 31, '$' and a 22-character salt.");
        }

        return Format(password, minor, cost, salt);
    }

    /// <summary>
    /// Whether <paramref name="password"/> matches <paramref name="hash"/>. Never throws: a null,
    /// malformed or unsupported hash is simply no match, and costs no hashing.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> password, string hash)
    {
        Span<byte> salt = stackalloc byte[EksBlowfish.SaltLength];
        if (!TryParseHash(hash, out var minor, out var cost, salt))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HashLength];
        Span<byte> actual = stackalloc byte[HashLength];
        Encoding.ASCII.GetBytes(hash, expected);
        Write(password, minor, cost, salt, actual);

        // The whole string is compared, as crypt(3) users do: a stored salt with non-canonical spare
        // bits then fails here just as it fails in libxcrypt, PHP and BCrypt.Net.
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Reads the minor version letter (<c>a</c>, <c>b</c>, <c>x</c> or <c>y</c>) and cost of a well-formed hash.</summary>
    public static bool TryParse(string hash, out char minor, out int cost)
    {
        Span<byte> salt = stackalloc byte[EksBlowfish.SaltLength];
        return TryParseHash(hash, out minor, out cost, salt);
    }

    private static bool TryParseHash(string? hash, out char minor, out int cost, Span<byte> salt)
    {
        if (hash is null
            || hash.Length != HashLength
            || !TryParseSetting(hash, out minor, out cost, salt)
            || !BCryptBase64.IsValid(hash.AsSpan(SettingLength)))
        {
            minor = default;
            cost = default;
            return false;
        }

        return true;
    }

    private static bool TryParseSetting(ReadOnlySpan<char> text, out char minor, out int cost, Span<byte> salt)
    {
        minor = text[2];
        cost = ((text[4] - '0') * 10) + (text[5] - '0');
        return text[0] == '$'
            && text[1] == '2'
            && minor is 'a' or 'b' or 'x' or 'y'
            && text[3] == '$'
            && char.IsAsciiDigit(text[4])
            && char.IsAsciiDigit(text[5])
            && cost is >= MinCost and <= MaxCost
            && text[6] == '$'
            && BCryptBase64.TryDecode(text.Slice(SaltOffset, SaltChars), salt);
    }

    private static string Format(ReadOnlySpan<byte> password, char minor, int cost, ReadOnlySpan<byte> salt)
    {
        Span<byte> ascii = stackalloc byte[HashLength];
        Write(password, minor, cost, salt, ascii);
        return Encoding.ASCII.GetString(ascii);
    }

    private static void Write(ReadOnlySpan<byte> password, char minor, int cost, ReadOnlySpan<byte> salt, Span<byte> ascii)
    {
        ascii[0] = (byte)'$';
        ascii[1] = (byte)'2';
        ascii[2] = (byte)minor;
        ascii[3] = (byte)'$';
        ascii[4] = (byte)('0' + (cost / 10));
        ascii[5] = (byte)('0' + (cost % 10));
        ascii[6] = (byte)'$';
        BCryptBase64.Encode(salt, ascii.Slice(SaltOffset, SaltChars));

        Span<byte> digest = stackalloc byte[EksBlowfish.DigestLength];
        EksBlowfish.Hash(password, minor, cost, salt, digest);
        BCryptBase64.Encode(digest, ascii[SettingLength..]);
        CryptographicOperations.ZeroMemory(digest);
    }
}
