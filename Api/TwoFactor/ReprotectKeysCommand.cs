using Api.Infrastructure;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Api.TwoFactor;

/// <summary>
/// <c>reprotect-two-factor-keys</c>: adds a new key to the key ring (stored encrypted to the current certificate) and
/// encrypts every stored shared key afresh under it. Shared keys live as long as a user keeps their authenticator, far
/// longer than a key ring key; after a certificate rotation this lets the old certificate be retired without locking
/// anyone out.
/// </summary>
internal sealed class ReprotectKeysCommand : ICliCommand
{
    private const int BatchSize = 500;

    public string Name => "reprotect-two-factor-keys";

    public async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output, TextWriter errors)
    {
        if (args.Length != 0)
        {
            await errors.WriteLineAsync("usage: reprotect-two-factor-keys");
            return 2;
        }
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        services.GetRequiredService<IKeyManager>().CreateNewKey(activationDate: now, expirationDate: now.AddDays(90));
        var store = services.GetRequiredService<TwoFactorStore>();
        var keys = services.GetRequiredService<SharedKeys>();
        int reprotected = 0, current = 0;
        var unreadable = new List<long>();
        long after = 0;
        while (await store.KeysAfterAsync(after, BatchSize) is { Count: > 0 } batch)
        {
            foreach (var (userId, keyProtected) in batch)
            {
                if (keys.TryRead(keyProtected) is not { } read)
                {
                    unreadable.Add(userId);
                }
                else if (read.Outdated && await store.ReplaceProtectedKeyAsync(userId, keyProtected, keys.Protect(read.Key)))
                {
                    reprotected++;
                }
                else
                {
                    current++;
                }
            }
            after = batch[^1].UserId;
        }
        await output.WriteLineAsync($"Re-encrypted {reprotected} two-factor keys; {current} were already under the current key.");
        if (unreadable.Count > 0)
        {
            await errors.WriteLineAsync(
                $"{unreadable.Count} keys cannot be decrypted with this key ring (users {string.Join(", ", unreadable)}): "
                + "add the certificate they need to DataProtection:DecryptionCertificatePaths, or reset their second factor (DELETE /admin/users/{id}/2fa).");
            return 1;
        }
        return 0;
    }
}
