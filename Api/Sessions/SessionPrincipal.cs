using System.Globalization;
using System.Security.Claims;

namespace Api.Sessions;

/// <summary>
/// The signed-in user as ASP.NET Core sees any user: a principal with their id, role and session, set by the session
/// filter on guarded endpoints only, so logging scopes, rate-limit partitions and authorization policies can use it
/// without a query of their own. The filters stay the API's public face of RequireAuth and RequireAdmin.
/// </summary>
public static class SessionPrincipal
{
    public const string AuthenticationType = "session";
    public const string SessionIdClaim = "sid";

    public static ClaimsPrincipal For(AuthenticatedSession session) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, session.UserId.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Role, session.Role),
                new Claim(SessionIdClaim, session.SessionId.ToString()),
            ],
            AuthenticationType, ClaimTypes.NameIdentifier, ClaimTypes.Role));
}
