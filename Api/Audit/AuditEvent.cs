using System.Net;
using Api.Infrastructure;

namespace Api.Audit;

/// <summary>
/// One security event as the trail stores it. <see cref="UserId"/> is the account it concerns, <see cref="ActorId"/>
/// who acted (the user themselves, an admin, or nobody for the system), <see cref="SessionId"/> the public id of the
/// session involved. <see cref="Detail"/> holds a few short, non-secret facts (a reason, a role, a count).
/// </summary>
public sealed record AuditEvent(
    string Type, long? UserId, long? ActorId = null, Guid? SessionId = null, IPAddress? Ip = null, string? UserAgent = null,
    IReadOnlyDictionary<string, string>? Detail = null)
{
    public const int MaxUserAgentLength = 512;

    /// <summary>An event of a request: the client's address and user agent come from it.</summary>
    public static AuditEvent Of(HttpContext http, string type, long? userId, long? actorId = null, Guid? sessionId = null,
        IReadOnlyDictionary<string, string>? detail = null)
    {
        var (ip, userAgent) = Client(http);
        return new(type, userId, actorId, sessionId, ip, userAgent, detail);
    }

    /// <summary>The request's client as the trail records it: its address, and its user agent cut to a storable length.</summary>
    public static (IPAddress? Ip, string? UserAgent) Client(HttpContext http) =>
        (http.Connection.RemoteIpAddress,
         Text.Storable(http.Request.Headers.UserAgent.ToString(), MaxUserAgentLength) is { Length: > 0 } agent ? agent : null);
}
