using System.Text;
using Api.Passwords;
using Api.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Tests.Passwords;

/// <summary>
/// PostgreSQL's pgcrypto is an independent bcrypt (crypt_blowfish's code): it must verify the hasher's hashes
/// (BCrypt.Net-Next underneath) and the hasher must verify its. pgcrypto knows only the $2a$ prefix, which for passwords
/// of at most 72 bytes computes what $2b$ computes, so the hasher's $2b$ digests are checked under $2a$. Passwords are
/// NFC text, as the hasher hashes it.
/// </summary>
public sealed class PgCryptoCrossCheckTests : IAsyncLifetime
{
    private const int PasswordCount = 60;
    private static readonly PasswordHasher Hasher = new(Options.Create(new PasswordOptions { WorkFactor = 4 }));
    private NpgsqlDataSource? _dataSource;

    private NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.InstanceAsync();
        _dataSource = NpgsqlDataSource.Create(await server.CreateEmptyDatabaseAsync());
        await using var connection = await _dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("CREATE EXTENSION pgcrypto");
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task Hashes_made_by_pgcrypto_verify_with_ours_and_a_changed_password_does_not()
    {
        var passwords = RandomPasswords(seed: 1);
        var costs = passwords.Select((_, i) => 4 + (i % 3)).ToArray();
        await using var connection = await DataSource.OpenConnectionAsync();

        var hashes = (await connection.QueryAsync<string>(
            "SELECT crypt(p, gen_salt('bf', c)) FROM unnest(@passwords, @costs) WITH ORDINALITY AS t(p, c, n) ORDER BY n",
            new { passwords, costs })).ToList();

        Assert.Equal(PasswordCount, hashes.Count);
        for (var i = 0; i < PasswordCount; i++)
        {
            Assert.StartsWith($"$2a${costs[i]:00}$", hashes[i], StringComparison.Ordinal);
            Assert.True(Hasher.Verify(passwords[i], hashes[i]), $"pgcrypto hash of password #{i} did not verify: {hashes[i]}");
            Assert.False(Hasher.Verify(passwords[i] + "!", hashes[i]));
        }
    }

    [Fact]
    public async Task Hashes_made_by_us_verify_with_pgcrypto()
    {
        var passwords = RandomPasswords(seed: 2);
        var ours = passwords.Select(p => "$2a$" + Hasher.Hash(p)[4..]).ToArray();
        await using var connection = await DataSource.OpenConnectionAsync();

        var results = (await connection.QueryAsync<string>(
            "SELECT crypt(p, h) FROM unnest(@passwords, @ours) WITH ORDINALITY AS t(p, h, n) ORDER BY n",
            new { passwords, ours })).ToList();

        for (var i = 0; i < PasswordCount; i++)
        {
            Assert.True(ours[i] == results[i], $"password #{i}: ours {ours[i]}, pgcrypto {results[i]}");
        }
    }

    /// <summary>ASCII and multi-byte UTF-8 (Latin, Greek, CJK, emoji), 0 to 72 bytes, reproducible from the seed.</summary>
    private static string[] RandomPasswords(int seed)
    {
        var random = new Random(seed);
        (int From, int To)[] ranges = [(0x20, 0x7e), (0xa1, 0x17f), (0x391, 0x3c9), (0x4e00, 0x9fff), (0x1f600, 0x1f64f)];
        var passwords = new string[PasswordCount];
        for (var i = 0; i < PasswordCount; i++)
        {
            var maxBytes = random.Next(0, 73);
            var text = new StringBuilder();
            var asciiOnly = i % 2 == 0;
            while (true)
            {
                var (from, to) = asciiOnly ? ranges[0] : ranges[random.Next(ranges.Length)];
                var next = char.ConvertFromUtf32(random.Next(from, to + 1));
                if (Encoding.UTF8.GetByteCount(text + next) > maxBytes)
                {
                    break;
                }
                text.Append(next);
            }
            passwords[i] = text.ToString();
        }
        return passwords;
    }
}
