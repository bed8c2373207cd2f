using Api.Passwords;
using FluentValidation;

namespace Api.Users;

public sealed record NewUser(string? Email, string? Name, string? Role, string? Password);

public sealed class NewUserValidator : AbstractValidator<NewUser>
{
    public NewUserValidator()
    {
        RuleFor(x => x.Email).ValidEmail();
        RuleFor(x => x.Name).ValidName();
        RuleFor(x => x.Role).ValidRole();
        RuleFor(x => x.Password).ValidNewPassword();
    }
}

public enum AccountCreationOutcome
{
    Created,
    EmailTaken,
    Busy,
}

/// <summary>Creates users for registration, admins and the create-user command: one bcrypt slot, one insert.</summary>
public sealed class AccountCreation(UserStore users, PasswordHasher hasher, PasswordWorkLimiter limiter)
{
    /// <summary>Hashes and stores an already validated user.</summary>
    public async Task<(AccountCreationOutcome Outcome, long Id)> CreateAsync(NewUser user, CancellationToken cancellationToken)
    {
        var (ran, hash) = await limiter.TryRunAsync(() => hasher.Hash(user.Password!), cancellationToken);
        if (!ran)
        {
            return (AccountCreationOutcome.Busy, 0);
        }
        try
        {
            return (AccountCreationOutcome.Created, await users.CreateAsync(user.Email!, user.Name!, user.Role!, hash));
        }
        catch (DuplicateEmailException)
        {
            return (AccountCreationOutcome.EmailTaken, 0);
        }
    }
}
