using System.Net;
using System.Net.Http.Json;
using System.Text;
using Api.Sessions;
using Api.Tests.Infrastructure;
using Api.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Api.Tests.Users;

/// <summary>
/// One person, one account, whatever their keyboard sends: emails compare in NFC and Unicode lower case, names are
/// stored in NFC, passwords are hashed in NFC.
/// </summary>
public sealed class UnicodeIdentityTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Fact]
    public async Task Unicode_case_and_normalization_variants_of_an_email_are_one_account()
    {
        var local = $"Ångström-{Guid.NewGuid():N}";
        var registered = $"{local}@Exämple.com".Normalize(NormalizationForm.FormC);
        var variant = $"{local}@exämple.com".ToLowerInvariant().Normalize(NormalizationForm.FormD);
        Assert.NotEqual(registered, variant);

        using var register = await RegisterAsync(registered, "Anders", "a long enough password");
        using var login = await _client.PostLoginAsync(variant, "a long enough password");
        using var again = await RegisterAsync(variant, "Someone Else", "another long password");

        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        await again.AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Variants_of_an_email_share_one_budget_of_attempts()
    {
        var local = $"ÉLODIE-{Guid.NewGuid():N}";
        var email = $"{local}@example.com".Normalize(NormalizationForm.FormC);
        var variant = $"{local}@example.com".ToLowerInvariant().Normalize(NormalizationForm.FormD);
        using (var register = await RegisterAsync(email, "Élodie", "a long enough password"))
        {
            Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        }

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await _client.PostLoginAsync(i % 2 == 0 ? email : variant, "wrong password");
            await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
        using var locked = await _client.PostLoginAsync(email, "a long enough password");

        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Names_are_stored_in_nfc_whichever_form_was_sent()
    {
        var decomposed = "Zoe\u0308 Nun\u0303ez";
        using var register = await RegisterAsync($"nfc-{Guid.NewGuid():N}@example.com", decomposed, "a long enough password");
        var token = ApiClient.SessionTokenFrom(register)!;
        using var rename = await _client.SendWithCookieAsync(HttpMethod.Put, "/profile", $"{ApiClient.CookieName}={token}",
            JsonContent.Create(new { name = "Rene\u0301e" }));

        var body = await register.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("Zoë Nuñez", body.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("Renée", (await rename.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("name").GetString());
        var id = body.GetProperty("user").GetProperty("id").GetInt64();
        Assert.True(await api.Factory.ScalarSqlAsync<bool>("SELECT name = normalize(name, NFC) AND name = 'Renée' FROM users WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task A_password_set_in_one_normalization_form_logs_in_with_the_other()
    {
        var email = $"pw-{Guid.NewGuid():N}@example.com";
        var decomposed = "cafe\u0301 au lait, s'il vous plai\u0302t";
        using (var register = await RegisterAsync(email, "Pw", decomposed))
        {
            Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        }

        using var composed = await _client.PostLoginAsync(email, decomposed.Normalize(NormalizationForm.FormC));
        using var asTyped = await _client.PostLoginAsync(email, decomposed);

        Assert.Equal(HttpStatusCode.OK, composed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asTyped.StatusCode);
    }

    [Fact]
    public async Task A_hash_made_elsewhere_from_unnormalized_text_logs_in_and_is_replaced_by_an_nfc_hash()
    {
        var decomposed = "n\u0303and\u00fa pass\u0301word";
        var foreignHash = Passwords.LibXCrypt.Crypt(Encoding.UTF8.GetBytes(decomposed), Passwords.LibXCrypt.GenSalt("$2b$", 4))!;
        var email = $"foreign-{Guid.NewGuid():N}@example.com";
        var id = await api.Factory.Services.GetRequiredService<UserStore>().CreateAsync(email, "Foreign", Roles.User, foreignHash);

        using var nfcBefore = await _client.PostLoginAsync(email, decomposed.Normalize(NormalizationForm.FormC));
        using var asTyped = await _client.PostLoginAsync(email, decomposed);
        using var nfcAfter = await _client.PostLoginAsync(email, decomposed.Normalize(NormalizationForm.FormC));

        await nfcBefore.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, asTyped.StatusCode);
        Assert.Equal(HttpStatusCode.OK, nfcAfter.StatusCode);
        Assert.NotEqual(foreignHash, await api.Factory.ScalarSqlAsync<string>("SELECT password_hash FROM users WHERE id = @id", new { id }));
    }

    private Task<HttpResponseMessage> RegisterAsync(string email, string name, string password) =>
        _client.PostAsJsonAsync("/register", new { email, name, password });
}
