using System.Diagnostics;
using System.Net;
using System.Text;
using Api.Passwords;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Tests.Passwords;
using Api.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Auth;

public sealed class PasswordLoginTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Theory]
    [InlineData("$2b$", 5)]
    [InlineData("$2a$", 4)]
    [InlineData("$2y$", 4)]
    [InlineData("$2a$", 6)]
    public async Task Login_upgrades_an_older_hash_to_2b_at_the_current_cost(string prefix, int cost)
    {
        var password = "upgrade me " + Guid.NewGuid().ToString("N")[..6];
        var oldHash = LibXCrypt.Crypt(Encoding.UTF8.GetBytes(password), LibXCrypt.GenSalt(prefix, cost))!;
        var user = await CreateUserWithHashAsync(password, oldHash);

        await _client.LoginAsync(user);

        var newHash = await StoredHashAsync(user);
        Assert.StartsWith("$2b$04$", newHash, StringComparison.Ordinal);
        Assert.True(api.Factory.Services.GetRequiredService<PasswordHasher>().Verify(password, newHash));
    }

    [Fact]
    public async Task Login_leaves_a_current_hash_alone()
    {
        var user = await api.Factory.CreateUserAsync();
        var before = await StoredHashAsync(user);

        await _client.LoginAsync(user);

        Assert.Equal(before, await StoredHashAsync(user));
    }

    [Fact]
    public async Task A_failed_login_never_touches_the_stored_hash()
    {
        var oldHash = LibXCrypt.Crypt("old format"u8, "$2a$05$abcdefghijklmnopqrstuu")!;
        var user = await CreateUserWithHashAsync("old format", oldHash);

        using var response = await _client.PostLoginAsync(user.Email, "wrong password");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(oldHash, await StoredHashAsync(user));
    }

    [Fact]
    public async Task A_login_password_longer_than_72_bytes_never_matches_even_when_its_first_72_bytes_are_the_password()
    {
        var password = new string('p', 72);
        var user = await api.Factory.CreateUserAsync(password: password);

        using var longer = await _client.PostLoginAsync(user.Email, password + "anything");
        using var exact = await _client.PostLoginAsync(user.Email, password);

        await longer.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
    }

    [Fact]
    public async Task Login_with_a_password_containing_nul_is_a_400_naming_the_field_and_costs_no_attempt()
    {
        var user = await api.Factory.CreateUserAsync();

        using var response = await _client.PostLoginAsync(user.Email, user.Password + "\0");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _), problem.ToString());
        Assert.Equal(0, await api.Factory.ScalarSqlAsync<int>("SELECT count(*) FROM login_throttle WHERE email_key = lower(@Email)", new { user.Email }));
    }

    [Theory]
    [InlineData(73, "a")]
    [InlineData(25, "€")]
    public async Task Create_user_refuses_a_password_over_72_utf8_bytes_instead_of_truncating_it(int count, string unit)
    {
        var password = string.Concat(Enumerable.Repeat(unit, count));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await CreateUserCommand.RunAsync(api.Factory.Services,
            ["--email", $"long-{Guid.NewGuid():N}@example.com", "--name", "Long", "--password", password], TextReader.Null, output, error);

        Assert.Equal(2, exitCode);
        Assert.Contains("at most 72 bytes", error.ToString(), StringComparison.Ordinal);
    }

    private async Task<TestUser> CreateUserWithHashAsync(string password, string hash)
    {
        var email = $"hash-{Guid.NewGuid():N}@example.com";
        var id = await api.Factory.Services.GetRequiredService<UserStore>().CreateAsync(email, "Hash", Roles.User, hash);
        return new TestUser(id, email, password, Roles.User);
    }

    private Task<string> StoredHashAsync(TestUser user) =>
        api.Factory.ScalarSqlAsync<string>("SELECT password_hash FROM users WHERE id = @Id", new { user.Id });
}

/// <summary>At a real work factor, so that the cost of bcrypt is visible in the timings.</summary>
public sealed class RealCostFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Passwords:WorkFactor"] = "12",
        ["Passwords:MaxConcurrentHashes"] = "1",
        ["Passwords:QueueTimeout"] = "00:00:00.050",
    };
}

public sealed class PasswordCostTests(RealCostFixture api) : IClassFixture<RealCostFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task A_one_megabyte_password_is_refused_before_any_hashing()
    {
        var user = await api.Factory.CreateUserAsync();
        var huge = new string('x', 1024 * 1024);
        var oneHash = Stopwatch.StartNew();
        api.Factory.Services.GetRequiredService<PasswordHasher>().Verify("x", await StoredHashAsync(user));
        oneHash.Stop();

        var timings = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await _client.PostLoginAsync(user.Email, huge);
            watch.Stop();
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
            timings.Add(watch.Elapsed);
        }

        var median = timings.Order().ElementAt(1);
        Assert.True(median < oneHash.Elapsed / 2, $"a 1 MB password took {median.TotalMilliseconds:F0} ms; one bcrypt takes {oneHash.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task A_login_that_finds_every_bcrypt_slot_taken_gets_503_with_retry_after_and_the_next_login_works()
    {
        var user = await api.Factory.CreateUserAsync();
        var limiter = api.Factory.Services.GetRequiredService<PasswordWorkLimiter>();
        using var release = new ManualResetEventSlim();
        using var holding = new ManualResetEventSlim();
        var occupant = Task.Run(() => limiter.TryRunAsync(() => { holding.Set(); return release.Wait(TimeSpan.FromSeconds(30)); }, CancellationToken.None));
        Assert.True(holding.Wait(TimeSpan.FromSeconds(10)));

        using (var busy = await _client.PostLoginAsync(user.Email, user.Password))
        {
            var problem = await busy.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("1", busy.Headers.RetryAfter?.ToString());
            Assert.Equal("Too many logins at once", problem.GetProperty("title").GetString());
            Assert.Empty(ApiClient.SetCookieHeaders(busy));
        }

        release.Set();
        Assert.True((await occupant).Ran);
        using var after = await _client.PostLoginAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private Task<string> StoredHashAsync(TestUser user) =>
        api.Factory.ScalarSqlAsync<string>("SELECT password_hash FROM users WHERE id = @Id", new { user.Id });
}
