namespace Api.Audit;

/// <summary>
/// The fixed list of security events, each a snake_case name that clients and queries may rely on. The README lists
/// them; a test checks that both lists agree.
/// </summary>
public static class AuditEventTypes
{
    public const string LoginSucceeded = "login_succeeded";
    public const string LoginFailed = "login_failed";
    public const string AccountLocked = "account_locked";
    public const string Logout = "logout";
    public const string SessionRevoked = "session_revoked";
    public const string OtherSessionsRevoked = "other_sessions_revoked";
    public const string PasswordChanged = "password_changed";
    public const string PasswordResetRequested = "password_reset_requested";
    public const string PasswordResetCompleted = "password_reset_completed";
    public const string EmailVerified = "email_verified";
    public const string TwoFactorEnabled = "two_factor_enabled";
    public const string TwoFactorDisabled = "two_factor_disabled";
    public const string RecoveryCodesRegenerated = "recovery_codes_regenerated";
    public const string RecoveryCodeUsed = "recovery_code_used";
    public const string UserCreated = "user_created";
    public const string RoleChanged = "role_changed";
    public const string UserDisabled = "user_disabled";
    public const string UserEnabled = "user_enabled";
    public const string AdminForcedLogout = "admin_forced_logout";
    public const string PasswordCheckFailed = "password_check_failed";

    public static readonly IReadOnlyList<string> All =
    [
        LoginSucceeded, LoginFailed, AccountLocked, Logout, SessionRevoked, OtherSessionsRevoked, PasswordChanged,
        PasswordResetRequested, PasswordResetCompleted, EmailVerified, TwoFactorEnabled, TwoFactorDisabled,
        RecoveryCodesRegenerated, RecoveryCodeUsed, UserCreated, RoleChanged, UserDisabled, UserEnabled, AdminForcedLogout,
        PasswordCheckFailed,
    ];
}

/// <summary>Why a login failed, in <c>detail.reason</c> of <see cref="AuditEventTypes.LoginFailed"/>.</summary>
public static class LoginFailureReasons
{
    public const string WrongPassword = "wrong_password";
    public const string UnknownEmail = "unknown_email";
    public const string Disabled = "disabled";
    public const string Locked = "locked";
    /// <summary>The password was right and no code came with it: the first step of every two-factor login, and all that someone who only knows the password gets.</summary>
    public const string SecondFactorMissing = "second_factor_missing";
    public const string SecondFactorWrong = "second_factor_wrong";
    public const string EmailNotVerified = "email_not_verified";
}
