using System.Diagnostics;
using System.Net;
using Api.Tests.Infrastructure;

namespace Api.Tests.Security;

/// <summary>A real bcrypt cost, so that skipping the hash for unknown emails would show in the timings.</summary>
public sealed class TimingFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Passwords:WorkFactor"] = "9",
    };
}

/// <summary>Runs alone (no other test class at the same time), so the timings measure the code, not the neighbours.</summary>
[Collection(Reliability.ReliabilityTestGroup.Name)]
public sealed class EnumerationTests(TimingFixture api, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TimingFixture>
{
    private const int Tries = 31;
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Unknown_email_wrong_password_and_disabled_account_take_the_same_time()
    {
        var known = new List<TestUser>();
        var disabled = new List<TestUser>();
        for (var i = 0; i < Tries; i++)
        {
            known.Add(await api.Factory.CreateUserAsync());
            disabled.Add(await api.Factory.CreateUserAsync());
        }
        await api.Factory.ExecuteSqlAsync("UPDATE users SET disabled_at = now() WHERE id = ANY(@ids)", new { ids = disabled.Select(u => u.Id).ToArray() });
        await TimeLoginAsync("warm-up@example.com", "warm up");

        var wrongPassword = new List<double>();
        var unknownEmail = new List<double>();
        var disabledAccount = new List<double>();
        // Interleaved, so drift in machine load touches all three alike. Distinct emails keep the throttle out of it.
        for (var i = 0; i < Tries; i++)
        {
            wrongPassword.Add(await TimeLoginAsync(known[i].Email, "wrong password"));
            unknownEmail.Add(await TimeLoginAsync($"nobody-{i}-{Guid.NewGuid():N}@example.com", "wrong password"));
            disabledAccount.Add(await TimeLoginAsync(disabled[i].Email, disabled[i].Password));
        }

        double[] medians = [Median(wrongPassword), Median(unknownEmail), Median(disabledAccount)];
        output.WriteLine($"median ms: wrong password {medians[0]:F2}, unknown email {medians[1]:F2}, disabled {medians[2]:F2}");
        Assert.True(medians.Max() <= medians.Min() * 1.2,
            $"median ms: wrong password {medians[0]:F1}, unknown email {medians[1]:F1}, disabled {medians[2]:F1}");
    }

    private async Task<double> TimeLoginAsync(string email, string password)
    {
        var watch = Stopwatch.StartNew();
        using var response = await _client.PostLoginAsync(email, password);
        watch.Stop();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
