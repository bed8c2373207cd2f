using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Api.Tests.Infrastructure;
using OtpNet;

namespace Api.Tests.TwoFactor;

/// <summary>A user with an authenticator, as the tests drive them: the key the app would hold, and the codes it shows.</summary>
public sealed class Authenticator(byte[] key, TestClock clock)
{
    public byte[] Key => key;

    /// <summary>The code the app shows now, by the API's clock.</summary>
    public string Code(TimeSpan offset = default) => Api.TwoFactor.Totp.Code(key, clock.GetUtcNow() + offset);

    /// <summary>Moves the clock to the next 30-second step, where the code that was just used is no longer the current one.</summary>
    public void NextStep() => clock.Advance(TimeSpan.FromSeconds(30));
}

public static class TwoFactorTesting
{
    public static Task<HttpResponseMessage> PostWithSessionAsync(this HttpClient client, string path, string token, object body) =>
        client.SendWithCookieAsync(HttpMethod.Post, path, $"{ApiClient.CookieName}={token}", JsonContent.Create(body));

    /// <summary>Sets up an authenticator for the session's user, as an app scanning the QR code would.</summary>
    public static async Task<Authenticator> SetUpAsync(this HttpClient client, ApiFactory factory, string token, TestUser user)
    {
        using var setup = await client.PostWithSessionAsync("/profile/2fa/setup", token, new { currentPassword = user.Password });
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        var body = await setup.Content.ReadFromJsonAsync<JsonElement>();
        return new Authenticator(Base32Encoding.ToBytes(body.GetProperty("sharedKey").GetString()), factory.Clock);
    }

    /// <summary>Sets up and enables two-factor authentication; returns the authenticator and the recovery codes.</summary>
    public static async Task<(Authenticator App, IReadOnlyList<string> RecoveryCodes)> EnableTwoFactorAsync(
        this HttpClient client, ApiFactory factory, string token, TestUser user)
    {
        var app = await client.SetUpAsync(factory, token, user);
        using var enable = await client.PostWithSessionAsync("/profile/2fa/enable", token, new { code = app.Code() });
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        var codes = (await enable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        // The enabling code's step is used up; later codes come from later steps.
        app.NextStep();
        return (app, codes);
    }

    public static Task<HttpResponseMessage> LoginWithSecondFactorAsync(
        this HttpClient client, TestUser user, string? code = null, string? recoveryCode = null, string? deviceCookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = JsonContent.Create(new { email = user.Email, password = user.Password, twoFactorCode = code, twoFactorRecoveryCode = recoveryCode }),
        };
        if (deviceCookie is not null)
        {
            request.Headers.Add("Cookie", $"{ApiClient.DeviceCookieName}={deviceCookie}");
        }
        return client.SendAsync(request);
    }
}
