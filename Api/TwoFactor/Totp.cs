using OtpNet;

namespace Api.TwoFactor;

/// <summary>
/// RFC 6238 as authenticator apps implement it: HMAC-SHA1, six digits, 30-second steps, keys of 20 random bytes shown
/// in base32. Pure functions over explicit times; Otp.NET does the arithmetic.
/// </summary>
public static class Totp
{
    public const int KeyBytes = 20;
    public const int Digits = 6;
    public const int StepSeconds = 30;

    /// <summary>One step each way: a phone clock a little off, or a code typed just as it changed.</summary>
    private static readonly VerificationWindow Skew = new(previous: 1, future: 1);

    public static byte[] NewKey() => KeyGeneration.GenerateRandomKey(KeyBytes);

    public static string SharedKey(byte[] key) => Base32Encoding.ToString(key);

    /// <summary>The <c>otpauth://</c> URI authenticator apps read from a QR code.</summary>
    public static string OtpAuthUri(byte[] key, string issuer, string account) =>
        new OtpUri(OtpType.Totp, key, account, issuer, OtpHashMode.Sha1, Digits, StepSeconds).ToString();

    /// <summary>
    /// The time step a code is valid for at <paramref name="now"/>, within the skew; null when it matches none. Spaces are
    /// forgiven ("123 456", as some apps show it).
    /// </summary>
    public static long? MatchingStep(byte[] key, string code, DateTimeOffset now)
    {
        code = Compact(code);
        if (!IsCodeShaped(code))
        {
            return null;
        }
        var totp = new OtpNet.Totp(key, StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, Skew) ? step : null;
    }

    /// <summary>The code without the spaces people type or paste between its digits.</summary>
    public static string Compact(string code) => code.Replace(" ", "", StringComparison.Ordinal);

    /// <summary>Six ASCII digits. Other scripts' digits are digits to <see cref="char.IsDigit(char)"/> but never a code.</summary>
    public static bool IsCodeShaped(string code) => code.Length == Digits && code.All(char.IsAsciiDigit);

    /// <summary>The code an authenticator shows at <paramref name="now"/>.</summary>
    public static string Code(byte[] key, DateTimeOffset now) =>
        new OtpNet.Totp(key, StepSeconds, OtpHashMode.Sha1, Digits).ComputeTotp(now.UtcDateTime);
}
