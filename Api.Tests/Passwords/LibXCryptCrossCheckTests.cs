using System.Text;
using Api.Passwords;
using Microsoft.Extensions.Options;

namespace Api.Tests.Passwords;

/// <summary>
/// Random passwords hashed by us and checked by libxcrypt, and the other way round. Seeds are fixed so a
/// failure names a password that reproduces; libxcrypt's own salts are random but appear in the failure.
/// </summary>
public class LibXCryptCrossCheckTests
{
    private const int PasswordsPerPrefix = 200;
    private const int MinCost = 4;
    private const int MaxCost = 6;

    /// <summary>Letters from several scripts, including astral-plane characters encoded as surrogate pairs.</summary>
    private static readonly string[] TextAlphabet =
    [
        "a", "Z", "7", " ", "~", "é", "ß", "ø", "Ω", "λ", "Ж", "я", "א", "ع", "क", "ก", "中", "文", "日", "한", "€", "…",
        "😀", "🔑", "𝄞",
    ];

    public static TheoryData<string> Prefixes => new() { "$2b$", "$2a$", "$2y$" };

    [Theory]
    [MemberData(nameof(Prefixes))]
    public void Our_hash_verifies_with_libxcrypt(string prefix)
    {
        var random = new Random(Seed(prefix, 1));
        for (var i = 0; i < PasswordsPerPrefix; i++)
        {
            var password = RandomPassword(random, i);
            var cost = random.Next(MinCost, MaxCost + 1);
            var ours = prefix == "$2b$" && (i & 1) == 0
                ? BCrypt.HashPassword(password, cost)
                : BCrypt.HashPassword(password, RandomSetting(random, prefix, cost));

            Assert.True(LibXCrypt.Crypt(password, ours) == ours, Describe(password, ours));
        }
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public void Libxcrypt_hash_verifies_with_ours(string prefix)
    {
        var random = new Random(Seed(prefix, 2));
        for (var i = 0; i < PasswordsPerPrefix; i++)
        {
            var password = RandomPassword(random, i);
            var cost = random.Next(MinCost, MaxCost + 1);
            var native = LibXCrypt.Crypt(password, LibXCrypt.GenSalt(prefix, cost))!;

            Assert.True(BCrypt.Verify(password, native), Describe(password, native));
            if (password.Length > PasswordHasher.MaxBytes)
            {
                Assert.True(BCrypt.Verify(password.AsSpan(0, PasswordHasher.MaxBytes), native), Describe(password, native));
            }

            if (i % 8 == 0)
            {
                var other = (byte[])password.Clone();
                if (other.Length == 0)
                {
                    other = [(byte)'x'];
                }
                else
                {
                    other[random.Next(Math.Min(other.Length, PasswordHasher.MaxBytes))] ^= 0x40;
                }

                Assert.False(BCrypt.Verify(other, native), Describe(other, native));
            }
        }
    }

    /// <summary>
    /// libxcrypt will not make a <c>$2x$</c> setting, so both sides hash under settings we make. Only 8-bit
    /// passwords are used: they are the ones the bug changes.
    /// </summary>
    [Fact]
    public void Buggy_2x_variant_agrees_with_libxcrypt_both_ways()
    {
        var random = new Random(Seed("$2x$", 3));
        for (var i = 0; i < PasswordsPerPrefix / 2; i++)
        {
            var password = RandomBytes(random, random.Next(1, 80));
            var setting = RandomSetting(random, "$2x$", MinCost);

            var ours = BCrypt.HashPassword(password, setting);
            Assert.True(LibXCrypt.Crypt(password, ours) == ours, Describe(password, ours));
            var native = LibXCrypt.Crypt(password, setting)!;
            Assert.True(BCrypt.Verify(password, native), Describe(password, native));
        }
    }

    /// <summary>
    /// crypt_blowfish's <c>$2a$</c> countermeasure fires only when the old sign-extension bug would have left
    /// every key word unchanged although 8-bit bytes were present: each such byte must sit after nothing but
    /// 0xFF bytes in its word. Random passwords almost never do that, so half of these are built to, and the
    /// other half are the same with one byte changed.
    /// </summary>
    [Fact]
    public void Countermeasure_of_2a_for_8_bit_bytes_agrees_with_libxcrypt_both_ways()
    {
        var random = new Random(Seed("$2a$", 4));
        for (var i = 0; i < PasswordsPerPrefix / 2; i++)
        {
            var password = CountermeasureTrigger(random);
            if (i % 2 == 1)
            {
                password[random.Next(password.Length)] = (byte)random.Next(1, 256);
            }

            var ours = BCrypt.HashPassword(password, RandomSetting(random, "$2a$", MinCost));
            Assert.True(LibXCrypt.Crypt(password, ours) == ours, Describe(password, ours));
            var native = LibXCrypt.Crypt(password, LibXCrypt.GenSalt("$2a$", MinCost))!;
            Assert.True(BCrypt.Verify(password, native), Describe(password, native));
        }
    }

    [Theory]
    [InlineData("$2a$03$CCCCCCCCCCCCCCCCCCCCC.")]
    [InlineData("$2a$32$CCCCCCCCCCCCCCCCCCCCC.")]
    [InlineData("$2c$05$CCCCCCCCCCCCCCCCCCCCC.")]
    [InlineData("$2z$05$CCCCCCCCCCCCCCCCCCCCC.")]
    [InlineData("$2`$05$CCCCCCCCCCCCCCCCCCCCC.")]
    [InlineData("$2{$05$CCCCCCCCCCCCCCCCCCCCC.")]
    public void Settings_we_refuse_are_refused_by_libxcrypt_too(string setting)
    {
        Assert.Null(LibXCrypt.Crypt("U*U"u8, setting));
        Assert.Throws<FormatException>(() => BCrypt.HashPassword("U*U"u8, setting));
    }

    [Fact]
    public void PasswordHasher_verifies_a_libxcrypt_hash_of_utf8_text()
    {
        const string Password = "pässwörd – 密码 🔑";
        var hasher = new PasswordHasher(Options.Create(new PasswordOptions { WorkFactor = MinCost }));
        var native = LibXCrypt.Crypt(Encoding.UTF8.GetBytes(Password), LibXCrypt.GenSalt("$2b$", MinCost))!;

        Assert.True(hasher.Verify(Password, native));
        Assert.False(hasher.Verify("passwörd – 密码 🔑", native));
        Assert.Equal(hasher.Hash(Password)[..7], native[..7]);
    }

    /// <summary>
    /// A quarter of the passwords are 73 to 100 bytes, to show both sides ignore the same tail; the rest are
    /// 0 to 72 bytes of ASCII, UTF-8 text or arbitrary non-NUL bytes.
    /// </summary>
    private static byte[] RandomPassword(Random random, int index)
    {
        var length = index % 4 == 3 ? random.Next(73, 101) : random.Next(0, 73);
        return (index % 3) switch
        {
            0 => RandomAscii(random, length),
            1 => RandomText(random, length),
            _ => RandomBytes(random, length),
        };
    }

    private static byte[] RandomAscii(Random random, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.Next(0x20, 0x7F);
        }

        return bytes;
    }

    private static byte[] RandomText(Random random, int maxBytes)
    {
        var text = new StringBuilder();
        while (true)
        {
            var letter = TextAlphabet[random.Next(TextAlphabet.Length)];
            if (Encoding.UTF8.GetByteCount(text + letter) > maxBytes)
            {
                return Encoding.UTF8.GetBytes(text.ToString());
            }

            text.Append(letter);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.Next(1, 256);
        }

        return bytes;
    }

    /// <summary>
    /// 3, 7 or 11 bytes, so that with the NUL terminator the key repeats whole words. In each word some 0xFF
    /// bytes (at least one in the first word) come before one other 8-bit byte and then 7-bit bytes.
    /// </summary>
    private static byte[] CountermeasureTrigger(Random random)
    {
        var words = random.Next(1, 4);
        var password = new byte[(words * 4) - 1];
        for (var w = 0; w < words; w++)
        {
            var leadingFf = random.Next(w == 0 ? 1 : 0, w == words - 1 ? 3 : 4);
            for (var j = 0; j < 4 && (w * 4) + j < password.Length; j++)
            {
                password[(w * 4) + j] = j < leadingFf ? (byte)0xFF
                    : j == leadingFf ? (byte)random.Next(0x80, 0xFF)
                    : (byte)random.Next(1, 0x80);
            }
        }

        return password;
    }

    private static string RandomSetting(Random random, string prefix, int cost)
    {
        var salt = new byte[EksBlowfish.SaltLength];
        random.NextBytes(salt);
        var encoded = new byte[BCryptBase64.EncodedLength(salt.Length)];
        BCryptBase64.Encode(salt, encoded);
        return $"{prefix}{cost:D2}${Encoding.ASCII.GetString(encoded)}";
    }

    private static int Seed(string prefix, int direction) => (prefix[2] * 16) + direction;

    private static string Describe(byte[] password, string hash) =>
        $"password {Convert.ToHexString(password)} ({password.Length} bytes), hash {hash}";
}
