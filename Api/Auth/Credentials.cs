using System.Security.Cryptography;
using Api.Audit;
using Api.Infrastructure;
using Api.Passwords;
using Api.Sessions;
using Api.TwoFactor;
using Api.Users;

namespace Api.Auth;

/// <summary>What a password check found; only a valid one carries the user.</summary>
public abstract record CredentialResult
{
    public sealed record Valid(UserCredentials User) : CredentialResult;

    /// <summary>
    /// Unknown email, wrong password or disabled account: deliberately one answer to the client. The account and the
    /// <see cref="Reason"/> (a <see cref="LoginFailureReasons"/> value) are for the audit trail only.
    /// </summary>
    public sealed record Invalid(long? UserId, string Reason) : CredentialResult;

    public sealed record Locked(TimeSpan RetryAfter, long? UserId) : CredentialResult;

    /// <summary>The password was right, but the account has a second factor and none was offered.</summary>
    public sealed record SecondFactorRequired(long UserId) : CredentialResult;

    /// <summary>The password was right, but the second factor offered was wrong or already used.</summary>
    public sealed record SecondFactorWrong(long UserId) : CredentialResult;

    /// <summary>No bcrypt slot freed up in time.</summary>
    public sealed record Busy : CredentialResult;
}

/// <summary>
/// The one place a password is checked, for login and for every authenticated action that asks for the current password.
/// Each check draws on the throttle: an account's budget, or the budget of a browser the account trusts (device cookie).
/// Unknown users, wrong passwords and disabled accounts take the same path and the same bcrypt work, so neither the
/// answer nor its timing tells which one it was. Where a second factor is asked for, the attempt counts as a failure
/// until it is right too: guessing codes draws on the same budget as guessing passwords.
/// </summary>
public sealed class Credentials(
    LoginThrottle throttle, DeviceCookie devices, UserStore users, PasswordHasher hasher, PasswordWorkLimiter limiter, SecondFactor secondFactors,
    AuditTrail audit, ApiMetrics metrics)
{
    // Verified against when the email is unknown, at the current cost, so an unknown email costs one bcrypt like a known one.
    private readonly Lazy<string> _dummyHash = new(() => hasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));

    /// <summary>Checks a login: the account named by <paramref name="email"/>, and its second factor if it has one.</summary>
    public Task<CredentialResult> CheckAsync(string email, string password, SecondFactorProof secondFactor, HttpContext http) =>
        CheckAsync(email, userId: null, password, secondFactor, http);

    /// <summary>
    /// Checks the current password of a signed-in user, under the same throttle as login, and with a
    /// <paramref name="secondFactor"/> also their second factor if it is on. An outdated hash is not upgraded here: the
    /// password is either about to be replaced or only guards a setting.
    /// </summary>
    public Task<CredentialResult> CheckAsync(long userId, string password, HttpContext http, SecondFactorProof? secondFactor = null) =>
        CheckAsync(email: null, userId, password, secondFactor, http);

    private async Task<CredentialResult> CheckAsync(string? email, long? userId, string password, SecondFactorProof? secondFactor, HttpContext http)
    {
        var deviceHash = devices.Read(http.Request);
        var lookup = await throttle.LookupAsync(email, userId, deviceHash);
        if (userId is not null && lookup.Id is null)
        {
            // The signed-in user's row is gone: nothing to check, and no email to count against.
            return new CredentialResult.Invalid(null, LoginFailureReasons.UnknownEmail);
        }
        // Refused before any bcrypt, and for a correct password too: a lock that a right guess could lift would tell the
        // attacker which guess was right.
        if (throttle.LockedFor(lookup) is { } lockedFor)
        {
            return new CredentialResult.Locked(lockedFor, lookup.Id);
        }
        if (await throttle.ReserveAsync(lookup, deviceHash) is not { } reservation)
        {
            return new CredentialResult.Locked(await throttle.LockedForAfterRaceAsync(lookup, deviceHash), lookup.Id);
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
            return await StandsAsync(reservation, lookup, signedIn: userId is not null, http, new CredentialResult.Invalid(lookup.Id,
                user is null ? LoginFailureReasons.UnknownEmail : match == PasswordMatch.None ? LoginFailureReasons.WrongPassword : LoginFailureReasons.Disabled));
        }
        if (secondFactor is not null && user.TwoFactorEnabled)
        {
            // As for a wrong password, the reserved attempt stays counted until the second factor is right as well.
            if (secondFactor.IsEmpty)
            {
                return await StandsAsync(reservation, lookup, signedIn: userId is not null, http, new CredentialResult.SecondFactorRequired(user.Id));
            }
            if (!await secondFactors.VerifyAsync(user.Id, secondFactor, http))
            {
                return await StandsAsync(reservation, lookup, signedIn: userId is not null, http, new CredentialResult.SecondFactorWrong(user.Id));
            }
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

    /// <summary>
    /// The reserved attempt stands as a failure. Counted as a lockout only now, when the attempt that set the lock is
    /// known to have failed: a right password on that attempt clears the lock, and a check that never ran gives it back.
    /// The trail records the lock for the account's owner and admins.
    /// </summary>
    private async Task<CredentialResult> StandsAsync(ThrottleReservation reservation, LoginLookup lookup, bool signedIn, HttpContext http, CredentialResult failure)
    {
        if (signedIn && lookup.Id is { } userId)
        {
            // A signed-in user's own check (a password change, a two-factor change): logins are recorded by the login.
            // Named by the endpoint, not by the path as typed: it is the same few names whatever the request's spelling.
            var sessionId = http.RequestServices.GetRequiredService<CurrentSession>().Session.SessionId;
            await audit.WriteAsync(AuditEvent.Of(http, AuditEventTypes.PasswordCheckFailed, userId, userId, sessionId, new Dictionary<string, string>
            {
                ["reason"] = failure is CredentialResult.Invalid ? "current_password_wrong" : "second_factor_wrong",
                ["endpoint"] = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "",
            }));
        }
        if (reservation.LockedUntil is { } until)
        {
            var budget = reservation.DeviceHash is null ? LockoutBudget.Account : LockoutBudget.Device;
            metrics.Lockout(budget);
            await audit.WriteAsync(AuditEvent.Of(http, AuditEventTypes.AccountLocked, lookup.Id, detail: new Dictionary<string, string>
            {
                ["budget"] = budget == LockoutBudget.Account ? "account" : "device",
                ["until"] = until.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            }));
        }
        return failure;
    }
}
