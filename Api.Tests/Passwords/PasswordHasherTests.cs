using System.Diagnostics;
using System.Text;
using Api.Passwords;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Api.Tests.Passwords;

public class PasswordHasherTests
{
    private const int WorkFactor = 5;

    private readonly PasswordHasher _hasher = new(Options.Create(new PasswordOptions { WorkFactor = WorkFactor }));

    [Fact]
    public void Hash_makes_a_2b_hash_at_the_configured_cost()
    {
        var hash = _hasher.Hash("correct horse battery staple");

        Assert.Equal(60, hash.Length);
        Assert.StartsWith("$2b$05$", hash, StringComparison.Ordinal);
        Assert.NotEqual(hash, _hasher.Hash("correct horse battery staple"));
    }

    [Fact]
    public void Verify_accepts_the_password_and_rejects_others()
    {
        var hash = _hasher.Hash("correct horse battery staple");

        Assert.True(_hasher.Verify("correct horse battery staple", hash));
        Assert.False(_hasher.Verify("correct horse battery stapl", hash));
        Assert.False(_hasher.Verify("Correct horse battery staple", hash));
        Assert.False(_hasher.Verify("", hash));
    }

    /// <summary>bcrypt handles empty passwords; refusing them at registration is the API layer's job.</summary>
    [Fact]
    public void Empty_password_hashes_and_verifies()
    {
        var hash = _hasher.Hash("");

        Assert.True(_hasher.Verify("", hash));
        Assert.False(_hasher.Verify(" ", hash));
    }

    [Fact]
    public void Password_of_exactly_72_utf8_bytes_hashes_and_verifies()
    {
        var euros = new string('€', 24);
        Assert.Equal(72, Encoding.UTF8.GetByteCount(euros));

        var hash = _hasher.Hash(euros);

        Assert.True(_hasher.Verify(euros, hash));
        Assert.False(_hasher.Verify(euros[..23] + "e", hash));
    }

    [Theory]
    [InlineData(72, true)]
    [InlineData(73, false)]
    [InlineData(1_000_000, false)]
    public void FitsBcrypt_counts_ascii_characters(int length, bool fits) =>
        Assert.Equal(fits, PasswordHasher.FitsBcrypt(new string('a', length)));

    [Theory]
    [InlineData("€", 24, true)]
    [InlineData("€", 25, false)]
    [InlineData("😀", 18, true)]
    [InlineData("😀", 19, false)]
    [InlineData("é", 36, true)]
    [InlineData("é", 37, false)]
    public void FitsBcrypt_counts_utf8_bytes_not_characters(string letter, int count, bool fits) =>
        Assert.Equal(fits, PasswordHasher.FitsBcrypt(string.Concat(Enumerable.Repeat(letter, count))));

    [Fact]
    public void Hash_refuses_a_password_over_72_bytes() =>
        Assert.Throws<ArgumentException>(() => _hasher.Hash(new string('€', 25)));

    [Fact]
    public void Hash_refuses_null() =>
        Assert.Throws<ArgumentNullException>(() => _hasher.Hash(null!));

    /// <summary>bcrypt alone would accept this: it only reads the first 72 bytes.</summary>
    [Fact]
    public void Password_over_72_bytes_never_verifies_even_against_the_hash_of_its_first_72_bytes()
    {
        var first72 = new string('a', 72);
        var hash = _hasher.Hash(first72);

        Assert.True(BCrypt.Net.BCrypt.Verify(first72 + "b", hash));
        Assert.False(_hasher.Verify(first72 + "b", hash));
    }

    [Fact]
    public void Verifying_a_1_MB_password_returns_false_without_hashing()
    {
        var hash = _hasher.Hash("x");
        var huge = new string('x', 1_000_000);
        Assert.False(_hasher.Verify(huge, hash));

        var fastest = TimeSpan.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var start = Stopwatch.GetTimestamp();
            Assert.False(_hasher.Verify(huge, hash));
            var elapsed = Stopwatch.GetElapsedTime(start);
            fastest = elapsed < fastest ? elapsed : fastest;
        }

        // A cost-5 hash takes over a millisecond even in Release; the refusal takes well under a microsecond.
        // The fastest of five runs keeps a stray GC pause or preemption from failing the test.
        Assert.True(fastest < TimeSpan.FromMilliseconds(5), $"fastest refusal took {fastest.TotalMilliseconds} ms");
    }

    [Theory]
    [MemberData(nameof(BCryptVectorTests.MalformedHashes), MemberType = typeof(BCryptVectorTests))]
    public void Malformed_hash_makes_Verify_return_false_not_throw(string hash)
    {
        Assert.False(_hasher.Verify("U*U", hash));
        Assert.True(_hasher.NeedsRehash(hash));
    }

    [Fact]
    public void Null_arguments_make_Verify_return_false_not_throw()
    {
        Assert.False(_hasher.Verify(null!, _hasher.Hash("x")));
        Assert.False(_hasher.Verify("x", null!));
        Assert.True(_hasher.NeedsRehash(null!));
    }

    [Fact]
    public void Verify_accepts_2a_and_2y_hashes_of_the_same_password()
    {
        var b = _hasher.Hash("hunter2");

        Assert.True(_hasher.Verify("hunter2", "$2a$" + b[4..]));
        Assert.True(_hasher.Verify("hunter2", "$2y$" + b[4..]));
    }

    [Theory]
    [InlineData("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", false)]
    [InlineData("$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", true)]
    [InlineData("$2b$06$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", true)]
    [InlineData("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", true)]
    [InlineData("$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", true)]
    [InlineData("$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", true)]
    public void NeedsRehash_unless_2b_at_the_configured_cost(string hash, bool expected) =>
        Assert.Equal(expected, _hasher.NeedsRehash(hash));

    [Fact]
    public void Fresh_hash_needs_no_rehash() =>
        Assert.False(_hasher.NeedsRehash(_hasher.Hash("x")));

    /// <summary>Node's Buffer.from and BCrypt.Net's Encoding.UTF8 turn a lone surrogate into U+FFFD too.</summary>
    [Fact]
    public void Lone_surrogate_is_hashed_as_the_replacement_character()
    {
        var hash = _hasher.Hash("ab\ud800");

        Assert.True(_hasher.Verify("ab\ufffd", hash));
    }

    [Theory]
    [InlineData(null, 12)]
    [InlineData("4", 4)]
    [InlineData("31", 31)]
    public void WorkFactor_within_4_to_31_binds(string? configured, int expected) =>
        Assert.Equal(expected, BindOptions(configured).Value.WorkFactor);

    [Theory]
    [InlineData("3")]
    [InlineData("32")]
    [InlineData("0")]
    public void WorkFactor_outside_4_to_31_fails_validation(string configured) =>
        Assert.Throws<OptionsValidationException>(() => BindOptions(configured).Value);

    private static IOptions<PasswordOptions> BindOptions(string? workFactor)
    {
        var settings = new Dictionary<string, string?>();
        if (workFactor is not null)
        {
            settings[$"{PasswordOptions.SectionName}:{nameof(PasswordOptions.WorkFactor)}"] = workFactor;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOptions<PasswordOptions>().BindConfiguration(PasswordOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services.BuildServiceProvider().GetRequiredService<IOptions<PasswordOptions>>();
    }
}
