using System.ComponentModel.DataAnnotations;
using Api.Sessions;

namespace Api.Users;

public sealed record UserResponse(long Id, string Email, string Name, [property: AllowedValues(Roles.User, Roles.Admin)] string Role);

public sealed record ProfileResponse(long Id, string Email, string Name, [property: AllowedValues(Roles.User, Roles.Admin)] string Role, DateTime CreatedAt);
