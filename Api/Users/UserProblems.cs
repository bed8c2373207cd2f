namespace Api.Users;

public static class UserProblems
{
    public static ProblemHttpResult EmailTaken() => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "Email already registered",
        detail: "An account with this email already exists.");

    public static ProblemHttpResult NotFound() => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "User not found",
        detail: "There is no user with this id.");
}
