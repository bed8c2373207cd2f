namespace Api.Infrastructure;

/// <summary>
/// The stable <c>code</c> of every problem+json the API answers: SPAs branch on these, never on titles. Two situations a
/// client must tell apart never share a code; <see cref="InvalidCredentials"/> deliberately covers unknown email, wrong
/// password and disabled account alike, so no code reveals which accounts exist. The OpenAPI document lists them as an
/// enum and the README's table must name each one (a test checks both).
/// </summary>
public static class ProblemCodes
{
    public const string InvalidCredentials = "invalid_credentials";
    public const string SessionRequired = "session_required";
    public const string SessionExpired = "session_expired";
    public const string ForbiddenRole = "forbidden_role";
    public const string CrossOriginRefused = "cross_origin_refused";
    public const string AccountLocked = "account_locked";
    public const string RateLimited = "rate_limited";
    public const string PasswordCheckBusy = "password_check_busy";
    public const string DatabaseUnavailable = "database_unavailable";
    public const string EmailTaken = "email_taken";
    public const string AdminSelfLockout = "admin_self_lockout";
    public const string UserNotFound = "user_not_found";
    public const string SessionNotFound = "session_not_found";
    public const string CurrentPasswordWrong = "current_password_wrong";
    public const string TokenInvalid = "token_invalid";
    public const string EmailNotVerified = "email_not_verified";
    public const string TwoFactorRequired = "two_factor_required";
    public const string TwoFactorInvalid = "two_factor_invalid";
    public const string TwoFactorAlreadyEnabled = "two_factor_already_enabled";
    public const string TwoFactorNotEnabled = "two_factor_not_enabled";
    public const string TwoFactorSetupRequired = "two_factor_setup_required";
    public const string ValidationFailed = "validation_failed";
    public const string UnknownField = "unknown_field";
    public const string DuplicateField = "duplicate_field";
    public const string MalformedRequest = "malformed_request";
    public const string BodyTooLarge = "body_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string InternalError = "internal_error";

    public static readonly IReadOnlyList<string> All =
    [
        InvalidCredentials, SessionRequired, SessionExpired, ForbiddenRole, CrossOriginRefused, AccountLocked, RateLimited,
        PasswordCheckBusy, DatabaseUnavailable, EmailTaken, AdminSelfLockout, UserNotFound, SessionNotFound,
        CurrentPasswordWrong, TokenInvalid, EmailNotVerified, TwoFactorRequired, TwoFactorInvalid, TwoFactorAlreadyEnabled,
        TwoFactorNotEnabled, TwoFactorSetupRequired, ValidationFailed, UnknownField, DuplicateField, MalformedRequest, BodyTooLarge,
        UnsupportedMediaType, NotFound, MethodNotAllowed, InternalError,
    ];

    /// <summary>The code of a problem the framework raised itself (no route, wrong method, an unhandled exception).</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => DatabaseUnavailable,
        < 500 => MalformedRequest,
        _ => InternalError,
    };
}
