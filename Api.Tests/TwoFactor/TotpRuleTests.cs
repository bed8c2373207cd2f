using System.Text;
using Api.TwoFactor;

namespace Api.Tests.TwoFactor;

public sealed class TotpRuleTests
{
    // RFC 6238, appendix B: the SHA-1 seed, with the last six digits of the eight-digit vectors.
    private static readonly byte[] RfcKey = Encoding.ASCII.GetBytes("12345678901234567890");

    [Theory]
    [InlineData(59L, "287082")]
    [InlineData(1111111109L, "081804")]
    [InlineData(1234567890L, "005924")]
    [InlineData(2000000000L, "279037")]
    public void Codes_match_the_rfc_6238_vectors(long unixSeconds, string code)
    {
        Assert.Equal(code, Totp.Code(RfcKey, DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));
    }

    [Fact]
    public void A_code_matches_its_own_step_and_one_step_either_side_but_no_further()
    {
        var issued = DateTimeOffset.FromUnixTimeSeconds(1_900_000_020);
        var code = Totp.Code(RfcKey, issued);
        var step = issued.ToUnixTimeSeconds() / Totp.StepSeconds;

        Assert.Equal(step, Totp.MatchingStep(RfcKey, code, issued));
        Assert.Equal(step, Totp.MatchingStep(RfcKey, code, issued.AddSeconds(30)));
        Assert.Equal(step, Totp.MatchingStep(RfcKey, code, issued.AddSeconds(-30)));
        Assert.Null(Totp.MatchingStep(RfcKey, code, issued.AddSeconds(60)));
        Assert.Null(Totp.MatchingStep(RfcKey, code, issued.AddSeconds(-60)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData("١٢٣٤٥٦")]
    [InlineData("287\t082")]
    [InlineData("287-082")]
    [InlineData("287_082")]
    public void Anything_but_six_ascii_digits_matches_no_step(string code)
    {
        Assert.Null(Totp.MatchingStep(RfcKey, code, DateTimeOffset.FromUnixTimeSeconds(59)));
    }

    [Theory]
    [InlineData("287 082")]
    [InlineData(" 287082")]
    public void Spaces_between_the_digits_are_forgiven(string code)
    {
        Assert.Equal(1, Totp.MatchingStep(RfcKey, code, DateTimeOffset.FromUnixTimeSeconds(59)));
    }

    [Fact]
    public void A_new_key_is_20_random_bytes_shown_as_32_base32_characters_in_an_otpauth_uri()
    {
        var key = Totp.NewKey();
        Assert.Equal(20, key.Length);
        Assert.NotEqual(key, Totp.NewKey());
        var shared = Totp.SharedKey(key);
        Assert.Matches("^[A-Z2-7]{32}$", shared);
        var uri = new Uri(Totp.OtpAuthUri(key, "Session Auth API", "ana@example.com"));
        Assert.Equal("otpauth", uri.Scheme);
        Assert.Equal("totp", uri.Host);
        Assert.Contains("secret=" + shared, uri.Query, StringComparison.Ordinal);
        Assert.Contains("issuer=Session%20Auth%20API", uri.Query, StringComparison.Ordinal);
        Assert.Contains("digits=6", uri.Query, StringComparison.Ordinal);
        Assert.Contains("period=30", uri.Query, StringComparison.Ordinal);
    }

    [Fact]
    public void Recovery_codes_are_ten_distinct_codes_of_80_bits_each()
    {
        var codes = RecoveryCodes.Create();
        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct().Count());
        // Four groups of four base32 characters: 16 × 5 = 80 bits.
        Assert.All(codes, code => Assert.Matches("^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$", code));
    }

    [Fact]
    public void A_recovery_code_is_recognised_whatever_its_case_spaces_or_dashes()
    {
        var code = RecoveryCodes.Create()[0];
        var hash = RecoveryCodes.TryHash(code);
        Assert.NotNull(hash);
        Assert.Equal(hash, RecoveryCodes.TryHash(code.ToUpperInvariant()));
        Assert.Equal(hash, RecoveryCodes.TryHash(code.Replace("-", " ", StringComparison.Ordinal)));
        Assert.Equal(hash, RecoveryCodes.TryHash(code.Replace("-", "", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcd-efgh-ijkl")]
    [InlineData("abcd-efgh-ijkl-mnop-q")]
    [InlineData("abcd-efgh-ijkl-mno1")]
    [InlineData("ａｂｃｄ-efgh-ijkl-mnop")]
    public void Text_that_cannot_be_a_recovery_code_has_no_hash(string typed)
    {
        Assert.Null(RecoveryCodes.TryHash(typed));
    }
}
