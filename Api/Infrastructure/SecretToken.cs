using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Api.Infrastructure;

/// <summary>
/// A bearer secret kept in a cookie (a session, a trusted device): 32 bytes from the CSPRNG, base64url. Only its SHA-256
/// reaches the database, so a leaked table alone never lets anyone present it.
/// </summary>
public static class SecretToken
{
    private const int TokenBytes = 32;
    public const int EncodedLength = 43;

    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>
    /// Hashes the token's text rather than its decoded bytes: two spellings of one byte string (the last character's
    /// unused bits) must not both be accepted. Anything not shaped like a token is refused before any database work.
    /// </summary>
    public static bool TryHash(string? token, out byte[] hash)
    {
        if (token is null || token.Length != EncodedLength || !Base64Url.IsValid(token))
        {
            hash = [];
            return false;
        }
        hash = Hash(token);
        return true;
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.ASCII.GetBytes(token));
}
