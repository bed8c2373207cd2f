using System.Text;
using System.Text.RegularExpressions;
using Api.Infrastructure;
using BCrypt.Net;
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
/// Hashes and checks user passwords with bcrypt (BCrypt.Net-Next), <c>$2b$</c> at the configured
/// <see cref="PasswordOptions.WorkFactor"/>. What is ours sits around the library, where it falls short of what this
/// product promises:
/// - passwords are hashed in Unicode NFC (NIST SP 800-63B), so "é" typed as one code point or as "e" plus an accent is
///   the same password on every keyboard; broken UTF-16 becomes U+FFFD first, as UTF-8 encoders do;
/// - the library truncates keys over 72 bytes silently: longer passwords are refused before it is called, so two long
///   passwords that share their first 72 bytes can never stand in for each other;
/// - the library hashes <c>$2a$</c> by default and its rehash check ignores the prefix: new hashes ask for <c>$2b$</c>,
///   and <see cref="NeedsRehash"/> reads prefix and cost itself;
/// - the library throws on a malformed stored hash: here that is simply no match.
/// </summary>
public sealed partial class PasswordHasher(IOptions<PasswordOptions> options)
{
    public const int MaxBytes = 72;
    public const int MinCost = 4;
    public const int MaxCost = 31;

    private readonly int _workFactor = options.Value.WorkFactor;

    /// <summary>
    /// Whether the password's UTF-8 form (in NFC) is at most <see cref="MaxBytes"/> bytes. A string of more than
    /// <see cref="MaxBytes"/> chars cannot fit, so it is refused without encoding anything.
    /// </summary>
    public static bool FitsBcrypt(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return password.Length <= MaxInputChars && Fits(Prepare(password));
    }

    /// <summary>
    /// A <c>$2b$</c> hash at the configured cost. An empty password hashes like any other: refusing it is
    /// registration's job, not bcrypt's.
    /// </summary>
    /// <exception cref="ArgumentException">The password is over <see cref="MaxBytes"/> UTF-8 bytes; check <see cref="FitsBcrypt"/> first.</exception>
    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var prepared = Prepare(password);
        if (!Fits(prepared))
        {
            throw new ArgumentException($"The password is longer than {MaxBytes} UTF-8 bytes.", nameof(password));
        }
        return BCrypt.Net.BCrypt.HashPassword(prepared, BCrypt.Net.BCrypt.GenerateSalt(_workFactor, 'b'));
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
        if (password is null || hash is null || password.Length > MaxInputChars)
        {
            return PasswordMatch.None;
        }
        var normalized = Prepare(password);
        if (Matches(normalized, hash))
        {
            return PasswordMatch.Normalized;
        }
        var asTyped = Text.IsWellFormed(password) ? password : normalized;
        return !string.Equals(normalized, asTyped, StringComparison.Ordinal) && Matches(asTyped, hash) ? PasswordMatch.AsTyped : PasswordMatch.None;
    }

    /// <summary>Whether a stored hash should be replaced after a successful login: another cost, not <c>$2b$</c>, or unreadable.</summary>
    public bool NeedsRehash(string hash) =>
        hash is null || HashShape().Match(hash) is not { Success: true } shape
        || shape.Groups["minor"].Value != "b" || int.Parse(shape.Groups["cost"].ValueSpan, provider: null) != _workFactor;

    private static bool Matches(string password, string hash)
    {
        if (!Fits(password) || !HashShape().IsMatch(hash))
        {
            return false;
        }
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (Exception e) when (e is SaltParseException or ArgumentException or BcryptAuthenticationException)
        {
            // A stored hash the library cannot read is no match, never a 500.
            return false;
        }
    }

    // NFC, and UTF-16 that encodes: a lone surrogate becomes U+FFFD, as every UTF-8 encoder writes it.
    private static string Prepare(string password) =>
        Text.IsWellFormed(password) ? Text.Nfc(password) : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(password));

    private static bool Fits(string password) => password.Length <= MaxBytes && Encoding.UTF8.GetByteCount(password) <= MaxBytes;

    // The longest text whose NFC form can still fit: composition merges at most four code points into one (U+1F85 is
    // four in NFD), and a code point is at most two UTF-16 chars. Longer text is refused before it is normalized, so an
    // oversized password costs a length check, not a pass over all of it.
    private const int MaxInputChars = MaxBytes * 4 * 2;

    [GeneratedRegex(@"^\$2(?<minor>[aby])\$(?<cost>0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")]
    private static partial Regex HashShape();
}
