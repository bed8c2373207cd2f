namespace Api.Audit;

/// <summary>
/// Each security event as a structured log line with an event id of its own (2001 onwards, in the order of
/// <see cref="AuditEventTypes.All"/>), the user, the actor, the session and the detail: never an email typed for an
/// unknown account, and never a secret, because events carry neither.
/// </summary>
public sealed partial class AuditLog(ILogger<AuditLog> logger)
{
    public void Write(AuditEvent e)
    {
        var detail = e.Detail is { Count: > 0 } d ? string.Join(", ", d.Select(pair => $"{pair.Key}={pair.Value}")) : "";
        switch (e.Type)
        {
            case AuditEventTypes.LoginSucceeded:
                LoginSucceeded(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.LoginFailed:
                LoginFailed(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.AccountLocked:
                AccountLocked(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.Logout:
                Logout(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.SessionRevoked:
                SessionRevoked(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.OtherSessionsRevoked:
                OtherSessionsRevoked(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.PasswordChanged:
                PasswordChanged(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.PasswordResetRequested:
                PasswordResetRequested(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.PasswordResetCompleted:
                PasswordResetCompleted(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.EmailVerified:
                EmailVerified(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.TwoFactorEnabled:
                TwoFactorEnabled(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.TwoFactorDisabled:
                TwoFactorDisabled(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.RecoveryCodesRegenerated:
                RecoveryCodesRegenerated(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.RecoveryCodeUsed:
                RecoveryCodeUsed(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.UserCreated:
                UserCreated(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.RoleChanged:
                RoleChanged(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.UserDisabled:
                UserDisabled(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.UserEnabled:
                UserEnabled(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.AdminForcedLogout:
                AdminForcedLogout(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            case AuditEventTypes.PasswordCheckFailed:
                PasswordCheckFailed(logger, e.UserId, e.ActorId, e.SessionId, detail);
                break;
            default:
                throw new ArgumentException($"Unknown audit event type {e.Type}.", nameof(e));
        }
    }

    [LoggerMessage(EventId = 2001, EventName = "login_succeeded", Level = LogLevel.Information, Message = "Login succeeded: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void LoginSucceeded(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2002, EventName = "login_failed", Level = LogLevel.Warning, Message = "Login failed: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void LoginFailed(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2003, EventName = "account_locked", Level = LogLevel.Warning, Message = "Account locked: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void AccountLocked(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2004, EventName = "logout", Level = LogLevel.Information, Message = "Logged out: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void Logout(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2005, EventName = "session_revoked", Level = LogLevel.Information, Message = "Session revoked: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void SessionRevoked(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2006, EventName = "other_sessions_revoked", Level = LogLevel.Information, Message = "Other sessions revoked: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void OtherSessionsRevoked(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2007, EventName = "password_changed", Level = LogLevel.Information, Message = "Password changed: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void PasswordChanged(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2008, EventName = "password_reset_requested", Level = LogLevel.Information, Message = "Password reset requested: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void PasswordResetRequested(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2009, EventName = "password_reset_completed", Level = LogLevel.Information, Message = "Password reset completed: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void PasswordResetCompleted(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2010, EventName = "email_verified", Level = LogLevel.Information, Message = "Email address verified: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void EmailVerified(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2011, EventName = "two_factor_enabled", Level = LogLevel.Information, Message = "Two-factor authentication enabled: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void TwoFactorEnabled(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2012, EventName = "two_factor_disabled", Level = LogLevel.Information, Message = "Two-factor authentication disabled: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void TwoFactorDisabled(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2013, EventName = "recovery_codes_regenerated", Level = LogLevel.Information, Message = "Recovery codes regenerated: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void RecoveryCodesRegenerated(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2014, EventName = "recovery_code_used", Level = LogLevel.Information, Message = "Recovery code used: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void RecoveryCodeUsed(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2015, EventName = "user_created", Level = LogLevel.Information, Message = "User created: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void UserCreated(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2016, EventName = "role_changed", Level = LogLevel.Information, Message = "Role changed: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void RoleChanged(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2017, EventName = "user_disabled", Level = LogLevel.Information, Message = "User disabled: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void UserDisabled(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2018, EventName = "user_enabled", Level = LogLevel.Information, Message = "User enabled: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void UserEnabled(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2019, EventName = "admin_forced_logout", Level = LogLevel.Information, Message = "Admin logged the user out everywhere: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void AdminForcedLogout(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);

    [LoggerMessage(EventId = 2020, EventName = "password_check_failed", Level = LogLevel.Warning, Message = "Password check failed: user {UserId}, by {ActorId}, session {SessionId} {Detail}")]
    private static partial void PasswordCheckFailed(ILogger logger, long? userId, long? actorId, Guid? sessionId, string detail);
}
