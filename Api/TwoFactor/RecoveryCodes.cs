using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace Api.TwoFactor;

/// <summary>
/// Single-use codes for when the authenticator is lost: 80 random bits each, written as four groups of four base32
/// characters. Only their SHA-256 is stored; with that much entropy a slow hash would add nothing.
/// </summary>
public static class RecoveryCodes
{
    public const int Count = 10;
    private const int CodeBytes = 10;
    private const int CodeLength = 16;

    public static IReadOnlyList<string> Create() =>
        [.. Enumerable.Range(0, Count).Select(_ => Format(Base32Encoding.ToString(RandomNumberGenerator.GetBytes(CodeBytes))))];

    /// <summary>
    /// The hash a typed code is looked up by, or null when it cannot be a code. Case, spaces and dashes are forgiven, as
    /// people copy codes by hand.
    /// </summary>
    public static byte[]? TryHash(string typed)
    {
        if (typed.Length > TwoFactorRules.MaxCodeLength)
        {
            return null;
        }
        var normalized = new string([.. typed.Where(c => c is not (' ' or '-')).Select(char.ToUpperInvariant)]);
        return normalized.Length == CodeLength && normalized.All(IsBase32) ? SHA256.HashData(Encoding.ASCII.GetBytes(normalized)) : null;
    }

    private static bool IsBase32(char c) => c is >= 'A' and <= 'Z' or >= '2' and <= '7';

    private static string Format(string code) => string.Join('-', code.Chunk(4).Select(group => new string(group))).ToLowerInvariant();
}

/// <summary>Bounds shared by every request field that carries a code.</summary>
public static class TwoFactorRules
{
    /// <summary>Room for a recovery code typed with spaces between its groups; anything longer is not a code.</summary>
    public const int MaxCodeLength = 64;
}
