using System.Text;
using Api.Passwords;
using Microsoft.Extensions.Options;

namespace Api.Tests.Passwords;

/// <summary>
/// Interoperability of the hasher (BCrypt.Net-Next underneath) with the system's libxcrypt <c>crypt(3)</c>, the bcrypt
/// of PHP and most Linux tools, in both directions: random text passwords up to the 72-byte limit, hashed on one side
/// and checked on the other. Seeds are fixed, so a failure names a password that reproduces.
/// </summary>
public class LibXCryptCrossCheckTests
{
    private const int PasswordsPerPrefix = 40;
    private static readonly PasswordHasher Hasher = new(Options.Create(new PasswordOptions { WorkFactor = 4 }));

    /// <summary>Letters from several scripts, including astral-plane characters encoded as surrogate pairs.</summary>
    private static readonly string[] Alphabet =
    [
        "a", "Z", "7", " ", "~", "é", "ß", "ø", "Ω", "λ", "Ж", "я", "א", "ع", "क", "ก", "中", "文", "日", "한", "€", "…",
        "😀", "🔑", "𝄞",
    ];

    public static TheoryData<string> Prefixes => new() { "$2b$", "$2a$", "$2y$" };

    [Fact]
    public void The_hashers_2b_hashes_verify_with_libxcrypt()
    {
        var random = new Random(1);
        for (var i = 0; i < PasswordsPerPrefix; i++)
        {
            var password = RandomPassword(random, i);
            var ours = Hasher.Hash(password);

            Assert.StartsWith("$2b$04$", ours, StringComparison.Ordinal);
            Assert.True(LibXCrypt.Crypt(Encoding.UTF8.GetBytes(password), ours) == ours, Describe(password, ours));
        }
    }

    [Theory]
    [InlineData('a')]
    [InlineData('y')]
    public void The_librarys_other_prefixes_verify_with_libxcrypt(char minor)
    {
        var random = new Random(minor);
        for (var i = 0; i < PasswordsPerPrefix; i++)
        {
            var password = RandomPassword(random, i);
            var library = BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(4, minor));

            Assert.True(LibXCrypt.Crypt(Encoding.UTF8.GetBytes(password), library) == library, Describe(password, library));
        }
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public void Libxcrypt_hashes_verify_with_the_hasher_and_a_changed_password_does_not(string prefix)
    {
        var random = new Random(prefix[2] * 16);
        for (var i = 0; i < PasswordsPerPrefix; i++)
        {
            var password = RandomPassword(random, i);
            var native = LibXCrypt.Crypt(Encoding.UTF8.GetBytes(password), LibXCrypt.GenSalt(prefix, 4))!;

            Assert.True(Hasher.Verify(password, native), Describe(password, native));
            Assert.False(Hasher.Verify(password + "x", native), Describe(password + "x", native));
            Assert.True(Hasher.NeedsRehash(native) == (prefix != "$2b$"), native);
        }
    }

    // Every fourth password is exactly at the limit (72 bytes), where implementations that add a NUL terminator to
    // the key must still agree.
    private static string RandomPassword(Random random, int index)
    {
        var limit = index % 4 == 0 ? PasswordHasher.MaxBytes : random.Next(1, PasswordHasher.MaxBytes + 1);
        var builder = new StringBuilder();
        while (true)
        {
            var next = index % 4 == 0 && limit - Encoding.UTF8.GetByteCount(builder.ToString()) < 4 ? "a" : Alphabet[random.Next(Alphabet.Length)];
            if (Encoding.UTF8.GetByteCount(builder + next) > limit)
            {
                return builder.ToString();
            }
            builder.Append(next);
        }
    }

    private static string Describe(string password, string hash) =>
        $"password (UTF-8 hex) {Convert.ToHexString(Encoding.UTF8.GetBytes(password))}, hash {hash}";
}
