using System.Security.Cryptography;
using Api.Passwords;
using Api.Users;

namespace Api.Auth;

public enum CredentialCheck
{
    Valid,
    Invalid,
    Locked,
    Busy,
}

public sealed record CredentialResult(CredentialCheck Check, UserCredentials? User = null, TimeSpan? RetryAfter = null);

/// <summary>
/// Checks an email and password. Unknown users, wrong passwords and disabled accounts take the same path and the same
/// bcrypt work, so neither the answer nor its timing tells which one it was.
/// </summary>
public sealed class Credentials(LoginThrottle throttle, UserStore users, PasswordHasher hasher, PasswordWorkLimiter limiter)
{
    // Verified against when the email is unknown, at the current cost, so an unknown email costs one bcrypt like a known one.
    private readonly Lazy<string> _dummyHash = new(() => hasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));

    public async Task<CredentialResult> CheckAsync(string email, string password, CancellationToken cancellationToken)
    {
        var lookup = await throttle.LookupAsync(email);
        if (throttle.LockedFor(lookup) is { } lockedFor)
        {
            // Refused before any bcrypt, and for a correct password too: a lock that a right guess could lift would
            // tell the attacker which guess was right.
            return new CredentialResult(CredentialCheck.Locked, RetryAfter: lockedFor);
        }

        var user = lookup.User;
        var hash = user?.PasswordHash ?? _dummyHash.Value;
        var (ran, matches) = await limiter.TryRunAsync(() => hasher.Verify(password, hash), cancellationToken);
        if (!ran)
        {
            return new CredentialResult(CredentialCheck.Busy);
        }
        if (user is null || !matches || user.DisabledAt is not null)
        {
            await throttle.RecordFailureAsync(email);
            return new CredentialResult(CredentialCheck.Invalid);
        }

        if (lookup.FailedCount > 0)
        {
            await throttle.ResetAsync(email);
        }
        if (hasher.NeedsRehash(user.PasswordHash))
        {
            // The password is known to be right only now, so this is the one moment an old hash can be upgraded.
            // Without a free slot the upgrade simply waits for a later login.
            var (rehashed, newHash) = await limiter.TryRunAsync(() => hasher.Hash(password), cancellationToken);
            if (rehashed)
            {
                await users.UpdatePasswordHashAsync(user.Id, newHash);
            }
        }
        return new CredentialResult(CredentialCheck.Valid, user);
    }
}
