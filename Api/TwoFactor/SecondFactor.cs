using Api.Audit;
using Api.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Api.TwoFactor;

/// <summary>What a user offers as their second factor: an authenticator's code, or one of their recovery codes.</summary>
public sealed record SecondFactorProof(string? Code, string? RecoveryCode)
{
    public static readonly SecondFactorProof None = new(null, null);

    public bool IsEmpty => string.IsNullOrEmpty(Code) && string.IsNullOrEmpty(RecoveryCode);

    /// <summary>One field that takes either: six digits are an authenticator's code, anything else a recovery code.</summary>
    public static SecondFactorProof Either(string? code)
    {
        return code is not null && Totp.IsCodeShaped(Totp.Compact(code)) ? new(code, null) : new(null, code);
    }
}

/// <summary>
/// Checks a user's second factor and uses it up: an authenticator code's time step is recorded so the code is never
/// accepted again, and a recovery code is deleted (with its audit event, in one transaction). Both happen in the same
/// statement as the check.
/// </summary>
public sealed class SecondFactor(NpgsqlDataSource dataSource, TwoFactorStore store, SharedKeys keys, AuditTrail audit, TimeProvider time)
{
    /// <summary>True when the proof is right and was not used before; it is then used up.</summary>
    public async Task<bool> VerifyAsync(long userId, SecondFactorProof proof, HttpContext http)
    {
        if (!string.IsNullOrEmpty(proof.Code))
        {
            if (!Totp.IsCodeShaped(Totp.Compact(proof.Code)) || await store.FindAsync(userId) is not { EnabledAt: not null } row
                || keys.TryUnprotect(row.KeyProtected) is not { } key
                || Totp.MatchingStep(key, proof.Code, time.GetUtcNow()) is not { } step)
            {
                return false;
            }
            return await store.UseTimeStepAsync(userId, step);
        }
        if (string.IsNullOrEmpty(proof.RecoveryCode) || RecoveryCodes.TryHash(proof.RecoveryCode) is not { } hash)
        {
            return false;
        }
        return await dataSource.InTransactionAsync(async transaction =>
        {
            if (!await TwoFactorStore.UseRecoveryCodeAsync(transaction, userId, hash))
            {
                return false;
            }
            await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.RecoveryCodeUsed, userId, userId));
            return true;
        });
    }
}

/// <summary>
/// Encrypts shared keys at rest with Data Protection, whose key ring every instance shares (Infrastructure/KeyRingConfiguration):
/// the database holds only ciphertext, and the key ring is encrypted to a certificate kept outside it.
/// </summary>
public sealed partial class SharedKeys(IDataProtectionProvider provider, ILogger<SharedKeys> logger)
{
    // Part of every key's encryption: renaming it makes every stored shared key unreadable.
    private const string Purpose = "Api.TwoFactor.SharedKeys";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(byte[] key) => Convert.ToBase64String(_protector.Protect(key));

    /// <summary>
    /// The key, or null when it cannot be decrypted (a key ring lost or rotated away without its old certificate): the
    /// code is then refused, and the log says why, so an admin can reset the user's second factor.
    /// </summary>
    public byte[]? TryUnprotect(string keyProtected) => TryRead(keyProtected)?.Key;

    /// <summary>
    /// The key, and whether it is encrypted under a key ring key other than the current one (after a rotation, so the
    /// certificate that protects the old keys can be retired once it is re-encrypted); null when it cannot be read.
    /// </summary>
    public (byte[] Key, bool Outdated)? TryRead(string keyProtected)
    {
        try
        {
            var key = ((IPersistedDataProtector)_protector).DangerousUnprotect(
                Convert.FromBase64String(keyProtected), ignoreRevocationErrors: false, out var requiresMigration, out _);
            return (key, requiresMigration);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            LogUnreadable(logger, e);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A stored two-factor key cannot be decrypted with the key ring; its user cannot sign in with a code until an admin resets their second factor")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);
}
