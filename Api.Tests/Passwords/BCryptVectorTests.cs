using System.Text;
using Api.Passwords;

namespace Api.Tests.Passwords;

/// <summary>
/// Published vectors, each also checked against libxcrypt on Debian 12 (see
/// shared/reference/bcrypt-vectors.md). Passwords are written as Latin-1 strings so that "\u00a3" reads
/// as the single byte 0xA3.
/// </summary>
public class BCryptVectorTests
{
    private const string Row3Password = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored";
    private const string Row7Digits = "0123456789";

    private static readonly string Row7Password = string.Concat(Enumerable.Repeat(Row7Digits, 26))[..255];
    private static readonly string Row11Password = new('\u00aa', 72);

    public static TheoryData<string, string, string> ReferenceVectors => new()
    {
        { "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
        { "", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy" },
        { Row3Password, "$2a$05$abcdefghijklmnopqrstuu", "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui" },
        { Row3Password[..72], "$2a$05$abcdefghijklmnopqrstuu", "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui" },
        { "\u00a3", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq" },
        { "\u00a3", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq" },
        { "\u00a3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq" },
        { "\u00a3", "$2x$05$/OK.fbVrR/bpIqNJ5ianF.", "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e" },
        { "\u00ff\u00ff\u00a3", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e" },
        { "\u00ff\u00ff\u00a3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e" },
        { "\u00ff\u00ff\u00a3", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85." },
        { Row7Password, "$2a$04$R1lJ2gkNaoPGdafE.H.16.", "$2a$04$R1lJ2gkNaoPGdafE.H.16.1MKHPvmKwryeulRe225LKProWYwt9Oi" },
        { Row7Password[..72], "$2a$04$R1lJ2gkNaoPGdafE.H.16.", "$2a$04$R1lJ2gkNaoPGdafE.H.16.1MKHPvmKwryeulRe225LKProWYwt9Oi" },
        { "abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i" },
        { "Kk4DQuMMfZL9o", "$2b$04$cVWp4XaNU8a4v1uMRum2SO", "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm" },
        { "password", "$2a$12$oH4q4SYhvsTMLk1Ch6aQ1.", "$2a$12$oH4q4SYhvsTMLk1Ch6aQ1.7kFpyMNnrLepschA0IXS5zoOCdEE332" },
        { Row11Password + "chars after 72 are ignored as usual", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.swQOIzjOiJ9GHEPuhEkvqrUyvWhEMx6" },
        { Row11Password, "$2a$05$/OK.fbVrR/bpIqNJ5ianF.", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.swQOIzjOiJ9GHEPuhEkvqrUyvWhEMx6" },
    };

    /// <summary>
    /// jBCrypt's TestBCrypt.java vectors, all 20 reproduced by libxcrypt on this machine; "abc" at cost 6 is
    /// left out here because it is reference row 8.
    /// </summary>
    public static TheoryData<string, string, string> JBCryptVectors => new()
    {
        { "", "$2a$06$DCq7YPn5Rq63x1Lad4cll.", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s." },
        { "", "$2a$08$HqWuK6/Ng6sg9gQzbLrgb.", "$2a$08$HqWuK6/Ng6sg9gQzbLrgb.Tl.ZHfXLhvt/SgVyWhQqgqcZ7ZuUtye" },
        { "", "$2a$10$k1wbIrmNyFAPwPVPSVa/ze", "$2a$10$k1wbIrmNyFAPwPVPSVa/zecw2BCEnBwVS2GbrmgzxFUOqW9dk4TCW" },
        { "", "$2a$12$k42ZFHFWqBp3vWli.nIn8u", "$2a$12$k42ZFHFWqBp3vWli.nIn8uYyIkbvYRvodzbfbK18SSsY.CsIQPlxO" },
        { "a", "$2a$06$m0CrhHm10qJ3lXRY.5zDGO", "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe" },
        { "a", "$2a$08$cfcvVd2aQ8CMvoMpP2EBfe", "$2a$08$cfcvVd2aQ8CMvoMpP2EBfeodLEkkFJ9umNEfPD18.hUF62qqlC/V." },
        { "a", "$2a$10$k87L/MF28Q673VKh8/cPi.", "$2a$10$k87L/MF28Q673VKh8/cPi.SUl7MU/rWuSiIDDFayrKk/1tBsSQu4u" },
        { "a", "$2a$12$8NJH3LsPrANStV6XtBakCe", "$2a$12$8NJH3LsPrANStV6XtBakCez0cKHXVxmvxIlcz785vxAIZrihHZpeS" },
        { "abc", "$2a$08$Ro0CUfOqk6cXEKf3dyaM7O", "$2a$08$Ro0CUfOqk6cXEKf3dyaM7OhSCvnwM9s4wIX9JeLapehKK5YdLxKcm" },
        { "abc", "$2a$10$WvvTPHKwdBJ3uk0Z37EMR.", "$2a$10$WvvTPHKwdBJ3uk0Z37EMR.hLA2W6N9AEBhEgrAOljy2Ae5MtaSIUi" },
        { "abc", "$2a$12$EXRkfkdmXn2gzds2SSitu.", "$2a$12$EXRkfkdmXn2gzds2SSitu.MW9.gAVqa9eLS1//RYtYCmB1eLHg.9q" },
        { "abcdefghijklmnopqrstuvwxyz", "$2a$06$.rCVZVOThsIa97pEDOxvGu", "$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC" },
        { "abcdefghijklmnopqrstuvwxyz", "$2a$08$aTsUwsyowQuzRrDqFflhge", "$2a$08$aTsUwsyowQuzRrDqFflhgekJ8d9/7Z3GV3UcgvzQW3J5zMyrTvlz." },
        { "abcdefghijklmnopqrstuvwxyz", "$2a$10$fVH8e28OQRj9tqiDXs1e1u", "$2a$10$fVH8e28OQRj9tqiDXs1e1uxpsjN0c7II7YPKXua2NAKYvM6iQk7dq" },
        { "abcdefghijklmnopqrstuvwxyz", "$2a$12$D4G5f18o7aMMfwasBL7Gpu", "$2a$12$D4G5f18o7aMMfwasBL7GpuQWuP3pkrZrOAnqP.bmezbMng.QwJ/pG" },
        { "~!@#$%^&*()      ~!@#$%^&*()PNBFRD", "$2a$06$fPIsBO8qRqkjj273rfaOI.", "$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO" },
        { "~!@#$%^&*()      ~!@#$%^&*()PNBFRD", "$2a$08$Eq2r4G/76Wv39MzSX262hu", "$2a$08$Eq2r4G/76Wv39MzSX262huzPz612MZiYHVUJe/OcOql2jo4.9UxTW" },
        { "~!@#$%^&*()      ~!@#$%^&*()PNBFRD", "$2a$10$LgfYWkbzEvQ4JakH7rOvHe", "$2a$10$LgfYWkbzEvQ4JakH7rOvHe0y8pHKF9OaFgwUZ2q7W2FFZmZzJYlfS" },
        { "~!@#$%^&*()      ~!@#$%^&*()PNBFRD", "$2a$12$WApznUOJfkEGSmYRfnkrPO", "$2a$12$WApznUOJfkEGSmYRfnkrPOr466oFDCaj4b6HY3EXGvfxm43seyhgC" },
    };

    /// <summary>Settings crypt_blowfish's wrapper.c refuses, plus malformed shapes of our own.</summary>
    public static TheoryData<string> InvalidSettings => new()
    {
        "$2a$03$CCCCCCCCCCCCCCCCCCCCC.",
        "$2a$32$CCCCCCCCCCCCCCCCCCCCC.",
        "$2c$05$CCCCCCCCCCCCCCCCCCCCC.",
        "$2z$05$CCCCCCCCCCCCCCCCCCCCC.",
        "$2`$05$CCCCCCCCCCCCCCCCCCCCC.",
        "$2{$05$CCCCCCCCCCCCCCCCCCCCC.",
        "$2A$05$CCCCCCCCCCCCCCCCCCCCC.",
        "$2$05$CCCCCCCCCCCCCCCCCCCCCC.",
        "$2a$5$CCCCCCCCCCCCCCCCCCCCCC.",
        "$2a$-5$CCCCCCCCCCCCCCCCCCCCC.",
        "$2a$0x$CCCCCCCCCCCCCCCCCCCCC.",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC..",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC!",
        "$2a$05$CCCCCCCCCCCCCCCCCCCC+.",
        "$2a$05$CCCCCCCCCCCCCCCCCCCC\u00e9.",
        "$2a$05CCCCCCCCCCCCCCCCCCCCCC.",
        "$1$05$CCCCCCCCCCCCCCCCCCCCCC.",
        "",
    };

    /// <summary>Row 1's valid hash broken in one place at a time, and hashes of other shapes.</summary>
    public static TheoryData<string> MalformedHashes => new()
    {
        "$",
        "$2a$05$",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe=",
        "$2a$05$CCCCCCCCCCCCCCCCCCCC!.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$ 5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2c$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2z$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2`$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2{$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
        "$3a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "x2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe\u00e9",
        " $2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n",
        "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
    };

    [Theory]
    [MemberData(nameof(ReferenceVectors))]
    [MemberData(nameof(JBCryptVectors))]
    public void Hash_of_published_vector_matches(string password, string setting, string expected) =>
        Assert.Equal(expected, BCrypt.HashPassword(Latin1(password), setting));

    [Theory]
    [MemberData(nameof(ReferenceVectors))]
    [MemberData(nameof(JBCryptVectors))]
    public void Published_vector_verifies(string password, string setting, string expected)
    {
        Assert.StartsWith(setting, expected, StringComparison.Ordinal);
        Assert.True(BCrypt.Verify(Latin1(password), expected));
    }

    [Theory]
    [MemberData(nameof(ReferenceVectors))]
    public void Published_vector_does_not_verify_a_slightly_different_password(string password, string setting, string expected)
    {
        var bytes = Latin1(password);
        if (bytes.Length == 0)
        {
            bytes = [(byte)'x'];
        }
        else
        {
            bytes[0] ^= 0x01;
        }

        Assert.NotEqual(expected, BCrypt.HashPassword(bytes, setting));
        Assert.False(BCrypt.Verify(bytes, expected));
    }

    [Fact]
    public void Bytes_after_the_72nd_are_ignored()
    {
        var hash = BCrypt.HashPassword(Latin1(Row3Password[..72]), 4);
        Assert.True(BCrypt.Verify(Latin1(Row3Password), hash));
        Assert.False(BCrypt.Verify(Latin1(Row3Password[..71]), hash));
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Invalid_setting_is_refused_by_HashPassword(string setting) =>
        Assert.Throws<FormatException>(() => BCrypt.HashPassword("U*U"u8, setting));

    [Fact]
    public void Null_setting_is_refused_by_HashPassword() =>
        Assert.Throws<ArgumentNullException>(() => BCrypt.HashPassword("U*U"u8, null!));

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    [MemberData(nameof(MalformedHashes))]
    public void Invalid_hash_does_not_verify(string hash)
    {
        Assert.False(BCrypt.Verify("U*U"u8, hash));
        Assert.False(BCrypt.TryParse(hash, out _, out _));
    }

    [Fact]
    public void Null_hash_does_not_verify()
    {
        Assert.False(BCrypt.Verify("U*U"u8, null!));
        Assert.False(BCrypt.TryParse(null!, out _, out _));
    }

    [Theory]
    [InlineData("$2a$05$CCCCCCCCCCCCCCCCCCCCC/")]
    [InlineData("$2a$05$CCCCCCCCCCCCCCCCCCCCCC")]
    public void Salt_spare_bits_are_dropped_from_the_echoed_setting(string setting) =>
        Assert.Equal(
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            BCrypt.HashPassword("U*U"u8, setting));

    [Theory]
    [InlineData("$2a$05$CCCCCCCCCCCCCCCCCCCCC/E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")]
    [InlineData("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeX")]
    public void Hash_with_non_canonical_spare_bits_does_not_verify_as_in_libxcrypt(string hash) =>
        Assert.False(BCrypt.Verify("U*U"u8, hash));

    [Fact]
    public void Embedded_nul_bytes_are_hashed_not_treated_as_the_end()
    {
        const string Setting = "$2b$04$CCCCCCCCCCCCCCCCCCCCC.";
        var def = BCrypt.HashPassword("abc\0def"u8, Setting);
        var deg = BCrypt.HashPassword("abc\0deg"u8, Setting);
        var abc = BCrypt.HashPassword("abc"u8, Setting);
        Assert.NotEqual(def, deg);
        Assert.NotEqual(def, abc);
        Assert.False(BCrypt.Verify("abc"u8, def));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void HashPassword_with_cost_makes_a_2b_hash_with_a_fresh_salt(int cost)
    {
        var first = BCrypt.HashPassword("correct horse"u8, cost);
        var second = BCrypt.HashPassword("correct horse"u8, cost);

        Assert.Equal(60, first.Length);
        Assert.StartsWith($"$2b${cost:D2}$", first, StringComparison.Ordinal);
        Assert.NotEqual(first[..29], second[..29]);
        Assert.True(BCrypt.Verify("correct horse"u8, first));
        Assert.True(BCrypt.Verify("correct horse"u8, second));
        Assert.False(BCrypt.Verify("correct horsf"u8, first));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(32)]
    [InlineData(-1)]
    public void HashPassword_refuses_cost_outside_4_to_31(int cost) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BCrypt.HashPassword("x"u8, cost));

    [Theory]
    [InlineData("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", 'a', 5)]
    [InlineData("$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm", 'b', 4)]
    [InlineData("$2y$31$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", 'y', 31)]
    [InlineData("$2x$10$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", 'x', 10)]
    public void TryParse_reads_minor_and_cost(string hash, char minor, int cost)
    {
        Assert.True(BCrypt.TryParse(hash, out var actualMinor, out var actualCost));
        Assert.Equal(minor, actualMinor);
        Assert.Equal(cost, actualCost);
    }

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);
}
