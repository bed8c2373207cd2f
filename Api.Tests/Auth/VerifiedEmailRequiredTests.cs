using System.Net;
using System.Net.Http.Json;
using Api.Tests.Infrastructure;
using Api.Tests.Mail;

namespace Api.Tests.Auth;

public sealed class VerifiedEmailRequiredFixture : MailFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Registration:RequireVerifiedEmail"] = "true",
    };
}

public sealed class VerifiedEmailRequiredTests(VerifiedEmailRequiredFixture fixture) : IClassFixture<VerifiedEmailRequiredFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateBareClient();

    [Fact]
    public async Task An_unverified_account_gets_no_session_until_its_address_is_verified()
    {
        var email = $"strict-{Guid.NewGuid():N}@example.com";
        const string password = "a good password";

        using var register = await _client.PostAsJsonAsync("/register", new { email, name = "Strict", password });
        using var early = await _client.PostLoginAsync(email, password);
        using var wrongPassword = await _client.PostLoginAsync(email, "not the password");
        await MailTesting.EventuallyAsync(() => fixture.Smtp.For(email).Count == 1, "the verification mail arrives");
        var token = MailTesting.TokenIn(fixture.Smtp.For(email).Single());
        using var verify = await _client.PostAsJsonAsync("/email/verify", new { token });
        using var login = await _client.PostLoginAsync(email, password);

        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        Assert.Null(ApiClient.SessionTokenFrom(register));
        await early.AssertProblemAsync(HttpStatusCode.Forbidden, "email_not_verified");
        Assert.Null(ApiClient.SessionTokenFrom(early));
        // Only the right password learns that the account waits for verification.
        await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(HttpStatusCode.NoContent, verify.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.NotNull(ApiClient.SessionTokenFrom(login));
    }
}
