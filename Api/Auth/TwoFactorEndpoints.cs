using Api.Infrastructure;
using Api.Security;
using Api.Sessions;
using Api.TwoFactor;
using Microsoft.Extensions.Options;

namespace Api.Auth;

/// <summary>
/// The signed-in user's second factor. It lives with login because every change here checks the current password (and,
/// to turn it off or replace the recovery codes, the second factor itself) under login's throttle.
/// </summary>
public static class TwoFactorEndpoints
{
    public static IEndpointRouteBuilder MapTwoFactor(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/profile/2fa").WithTags("Two-factor authentication").RequireSession();

        group.MapGet("", GetStatus)
            .WithName("GetTwoFactorStatus")
            .WithSummary("Whether two-factor authentication is on, an authenticator is being set up, and how many recovery codes are left.");

        // Every change checks a password or a code: rate limited like login, and refused with 409 in the wrong state.
        var changes = group.MapGroup("").RequireRateLimiting(SecurityConfiguration.AuthRateLimit).ProducesProblem(StatusCodes.Status409Conflict);

        changes.MapPost("/setup", Setup)
            .WithName("SetUpTwoFactor")
            .WithSummary("Start setting up an authenticator app: a new shared key, pending until enabled with a code from the app.")
            .WithDescription("Checks the current password under the login throttle. Calling it again replaces the pending key. 409 two_factor_already_enabled when it is on.")
            .WithValidation<TwoFactorSetupRequest>();

        changes.MapPost("/enable", Enable)
            .WithName("EnableTwoFactor")
            .WithSummary("Turn two-factor authentication on with a code from the authenticator app: answers ten recovery codes, shown only this once.")
            .WithDescription("Every other session of the user ends.")
            .WithValidation<TwoFactorEnableRequest>();

        changes.MapPost("/disable", Disable)
            .WithName("DisableTwoFactor")
            .WithSummary("Turn two-factor authentication off, with the current password and a code (the app's or a recovery code).")
            .WithDescription("Every other session of the user ends. A wrong code counts against the login throttle like a wrong password.")
            .WithValidation<TwoFactorChangeRequest>();

        changes.MapPost("/recovery-codes", RegenerateRecoveryCodes)
            .WithName("RegenerateRecoveryCodes")
            .WithSummary("Replace the recovery codes with ten new ones, with the current password and a code; the old ones stop working.")
            .WithDescription("Every other session of the user ends. A wrong code counts against the login throttle like a wrong password.")
            .WithValidation<TwoFactorChangeRequest>();

        return routes;
    }

    public static async Task<Ok<TwoFactorStatus>> GetStatus(CurrentSession current, TwoFactorStore store) =>
        TypedResults.Ok(await store.StatusAsync(current.Session.UserId));

    public static async Task<Results<Ok<TwoFactorSetupResponse>, ValidationProblem, ProblemHttpResult>> Setup(
        TwoFactorSetupRequest request, CurrentSession current, HttpContext http, Credentials credentials,
        TwoFactorStore store, SharedKeys keys, IOptions<TwoFactorOptions> options, TimeProvider time)
    {
        var session = current.Session;
        if (session.TwoFactorEnabled)
        {
            return Problems.TwoFactorAlreadyEnabled();
        }
        var (field, problem) = Refusal(await credentials.CheckAsync(session.UserId, request.CurrentPassword!, http), http);
        if (field is not null)
        {
            return field;
        }
        if (problem is not null)
        {
            return problem;
        }
        var key = Totp.NewKey();
        if (!await store.SavePendingAsync(session.UserId, keys.Protect(key), time.GetUtcNow().UtcDateTime))
        {
            return Problems.TwoFactorAlreadyEnabled();
        }
        return TypedResults.Ok(new TwoFactorSetupResponse(Totp.SharedKey(key), Totp.OtpAuthUri(key, options.Value.Issuer, session.Email)));
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> Enable(
        TwoFactorEnableRequest request, CurrentSession current, HttpContext http, TwoFactorStore store, SharedKeys keys, TwoFactorChanges changes, TimeProvider time)
    {
        var session = current.Session;
        var row = await store.FindAsync(session.UserId);
        if (row is { EnabledAt: not null })
        {
            return Problems.TwoFactorAlreadyEnabled();
        }
        if (row is null || keys.TryUnprotect(row.KeyProtected) is not { } key)
        {
            return Problems.TwoFactorSetupRequired();
        }
        if (Totp.MatchingStep(key, request.Code!, time.GetUtcNow()) is not { } step)
        {
            return Problems.TwoFactorCodeWrong();
        }
        var codes = RecoveryCodes.Create();
        return await changes.EnableAsync(http, session, row.KeyProtected, step, [.. codes.Select(code => RecoveryCodes.TryHash(code)!)])
            ? TypedResults.Ok(new RecoveryCodesResponse(codes))
            : Problems.TwoFactorSetupRequired();
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Disable(
        TwoFactorChangeRequest request, CurrentSession current, HttpContext http, Credentials credentials, TwoFactorChanges changes)
    {
        var session = current.Session;
        var (field, problem) = await CheckBothFactorsAsync(session, request, http, credentials);
        if (field is not null)
        {
            return field;
        }
        if (problem is not null)
        {
            return problem;
        }
        return await changes.DisableAsync(http, session) ? TypedResults.NoContent() : Problems.TwoFactorNotEnabled();
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> RegenerateRecoveryCodes(
        TwoFactorChangeRequest request, CurrentSession current, HttpContext http, Credentials credentials, TwoFactorChanges changes)
    {
        var session = current.Session;
        var (field, problem) = await CheckBothFactorsAsync(session, request, http, credentials);
        if (field is not null)
        {
            return field;
        }
        if (problem is not null)
        {
            return problem;
        }
        var codes = RecoveryCodes.Create();
        return await changes.ReplaceRecoveryCodesAsync(http, session, [.. codes.Select(code => RecoveryCodes.TryHash(code)!)])
            ? TypedResults.Ok(new RecoveryCodesResponse(codes))
            : Problems.TwoFactorNotEnabled();
    }

    /// <summary>The current password and the second factor, both under the login throttle; neither refusal when both are right.</summary>
    private static async Task<(ValidationProblem? Field, ProblemHttpResult? Problem)> CheckBothFactorsAsync(
        AuthenticatedSession session, TwoFactorChangeRequest request, HttpContext http, Credentials credentials) =>
        session.TwoFactorEnabled
            ? Refusal(await credentials.CheckAsync(session.UserId, request.CurrentPassword!, http, SecondFactorProof.Either(request.Code)), http)
            : (null, Problems.TwoFactorNotEnabled());

    /// <summary>Why a signed-in user's check failed, as an answer that never reads as "logged out" (no 401).</summary>
    private static (ValidationProblem? Field, ProblemHttpResult? Problem) Refusal(CredentialResult result, HttpContext http) => result switch
    {
        CredentialResult.Valid => (null, null),
        CredentialResult.Busy => (null, Problems.PasswordCheckBusy(http)),
        CredentialResult.Locked(var retryAfter, _) => (null, Problems.TooManyAttempts(http, retryAfter)),
        CredentialResult.SecondFactorRequired or CredentialResult.SecondFactorWrong => (Problems.TwoFactorCodeWrong(), null),
        _ => (Problems.CurrentPasswordWrong(), null),
    };
}
