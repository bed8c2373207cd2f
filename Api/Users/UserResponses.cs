using System.ComponentModel.DataAnnotations;
using Api.Sessions;

namespace Api.Users;

public sealed record UserResponse(long Id, string Email, string Name, [property: AllowedValues(Roles.User, Roles.Admin)] string Role, bool EmailVerified, bool TwoFactorEnabled)
{
    public static UserResponse From(AuthenticatedSession session) =>
        new(session.UserId, session.Email, session.Name, session.Role, session.EmailVerifiedAt is not null, session.TwoFactorEnabled);
}

public sealed record ProfileResponse(long Id, string Email, string Name, [property: AllowedValues(Roles.User, Roles.Admin)] string Role, bool EmailVerified, bool TwoFactorEnabled, DateTime CreatedAt)
{
    public static ProfileResponse From(AuthenticatedSession session, string? name = null) =>
        new(session.UserId, session.Email, name ?? session.Name, session.Role, session.EmailVerifiedAt is not null, session.TwoFactorEnabled, session.UserCreatedAt);
}
