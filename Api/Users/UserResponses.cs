namespace Api.Users;

public sealed record UserResponse(long Id, string Email, string Name, string Role);

public sealed record ProfileResponse(long Id, string Email, string Name, string Role, DateTime CreatedAt);
