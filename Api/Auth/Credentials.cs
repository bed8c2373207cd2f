using System.Security.Cryptography;
using Api.Passwords;
using Api.Users;

namespace Api.Auth;

/// <summary>What a password check found; only a valid one carries the user.</summary>
public abstract record CredentialResult
{
    public sealed record Valid(UserCredentials User) : CredentialResult;

    /// <summary>Unknown email, wrong password or disabled account: deliberately one answer.</summary>
    public sealed record Invalid : CredentialResult;

    public sealed record Locked(TimeSpan RetryAfter) : CredentialResult;

    /// <summary>No bcrypt slot freed up in time.</summary>
    public sealed record Busy : CredentialResult;
}

/// <summary>
/// The one place a password is checked, for login and for every authenticated action that asks for the current password.
/// Each check draws on the throttle: an account's budget, or the budget of a browser the account trusts (device cookie).
/// Unknown users, wrong passwords and disabled accounts take the same path and the same bcrypt work, so neither the
/// answer nor its timing tells which one it was.
/// </summary>
public sealed class Credentials(LoginThrottle throttle, DeviceCookie devices, UserStore users, PasswordHasher hasher, PasswordWorkLimiter limiter)
{
    // Verified against when the email is unknown, at the current cost, so an unknown email costs one bcrypt like a known one.
    private readonly Lazy<string> _dummyHash = new(() => hasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));

    /// <summary>Checks a login: the account named by <paramref name="email"/>.</summary>
    public Task<CredentialResult> CheckAsync(string email, string password, HttpContext http) =>
        CheckAsync(email, userId: null, password, http);

    /// <summary>
    /// Checks the current password of a signed-in user, under the same throttle as login. The caller is about to replace
    /// the hash, so an outdated one is not upgraded here.
    /// </summary>
    public Task<CredentialResult> CheckAsync(long userId, string password, HttpContext http) =>
        CheckAsync(email: null, userId, password, http);

    private async Task<CredentialResult> CheckAsync(string? email, long? userId, string password, HttpContext http)
    {
        var deviceHash = devices.Read(http.Request);
        var lookup = await throttle.LookupAsync(email, userId, deviceHash);
        if (userId is not null && lookup.Id is null)
        {
            // The signed-in user's row is gone: nothing to check, and no email to count against.
            return new CredentialResult.Invalid();
        }
        // Refused before any bcrypt, and for a correct password too: a lock that a right guess could lift would tell the
        // attacker which guess was right.
        if (throttle.LockedFor(lookup) is { } lockedFor)
        {
            return new CredentialResult.Locked(lockedFor);
        }
        if (await throttle.ReserveAsync(lookup, deviceHash) is not { } reservation)
        {
            return new CredentialResult.Locked(await throttle.LockedForAfterRaceAsync(lookup, deviceHash));
        }

        var user = lookup.User;
        var hash = user?.PasswordHash ?? _dummyHash.Value;
        bool ran;
        PasswordMatch match;
        try
        {
            (ran, match) = await limiter.TryRunAsync(() => hasher.Check(password, hash), http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            await throttle.GiveBackAsync(reservation);
            throw;
        }
        if (!ran)
        {
            await throttle.GiveBackAsync(reservation);
            return new CredentialResult.Busy();
        }
        if (user is null || match == PasswordMatch.None || user.DisabledAt is not null)
        {
            // The reserved attempt stays counted: that is the failure.
            return new CredentialResult.Invalid();
        }

        await throttle.ClearAsync(reservation);
        if (userId is null && (match == PasswordMatch.AsTyped || hasher.NeedsRehash(user.PasswordHash)))
        {
            // The password is known to be right only now, so this is the one moment an old hash (another cost, or made
            // from unnormalized text elsewhere) can be upgraded. Without a free slot it waits for a later login.
            var (rehashed, newHash) = await limiter.TryRunAsync(() => hasher.Hash(password), http.RequestAborted);
            if (rehashed && await users.UpgradePasswordHashAsync(user.Id, user.PasswordHash, newHash))
            {
                user = user.WithPasswordHash(newHash);
            }
        }
        return new CredentialResult.Valid(user);
    }
}
