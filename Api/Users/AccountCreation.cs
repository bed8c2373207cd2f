using System.ComponentModel.DataAnnotations;
using Api.Audit;
using Api.Infrastructure;
using Api.Passwords;
using Api.Sessions;
using FluentValidation;
using Npgsql;

namespace Api.Users;

/// <summary>An account to create; <see cref="EmailVerified"/> is for admins and operators who vouch for the address.</summary>
public sealed record NewUser(
    string? Email, string? Name, [property: AllowedValues(Roles.User, Roles.Admin)] string? Role, string? Password, bool? EmailVerified = null);

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

/// <summary>What creating an account came to; only a created one carries an id.</summary>
public abstract record AccountCreationResult
{
    public sealed record Created(long Id) : AccountCreationResult;

    public sealed record EmailTaken : AccountCreationResult;

    /// <summary>No bcrypt slot freed up in time.</summary>
    public sealed record Busy : AccountCreationResult;
}

/// <summary>Creates users for registration, admins and the create-user command: one bcrypt slot, one insert.</summary>
public sealed class AccountCreation(NpgsqlDataSource dataSource, UserStore users, PasswordHasher hasher, PasswordWorkLimiter limiter, AuditTrail audit)
{
    /// <summary>Hashes and stores an already validated user.</summary>
    /// <summary>An account an operator creates from the command line, with its audit event in the same transaction.</summary>
    public async Task<AccountCreationResult> CreateAsync(NewUser user, CancellationToken cancellationToken)
    {
        if (await HashPasswordAsync(user, cancellationToken) is not { } hash)
        {
            return new AccountCreationResult.Busy();
        }
        return await dataSource.InTransactionAsync(async transaction =>
        {
            var result = await InsertAsync(user, hash, transaction);
            if (result is AccountCreationResult.Created(var id))
            {
                await audit.WriteAsync(transaction, new AuditEvent(AuditEventTypes.UserCreated, id,
                    Detail: new Dictionary<string, string> { ["via"] = "command", ["role"] = user.Role! }));
            }
            return result;
        });
    }

    /// <summary>The password's hash, or null when no bcrypt slot freed up. Runs outside any transaction: bcrypt is slow.</summary>
    public async Task<string?> HashPasswordAsync(NewUser user, CancellationToken cancellationToken)
    {
        var (ran, hash) = await limiter.TryRunAsync(() => hasher.Hash(user.Password!), cancellationToken);
        return ran ? hash : null;
    }

    /// <summary>Stores the user with an already computed hash; joins <paramref name="transaction"/> when given.</summary>
    public async Task<AccountCreationResult> InsertAsync(NewUser user, string passwordHash, NpgsqlTransaction? transaction = null)
    {
        try
        {
            return new AccountCreationResult.Created(await users.CreateAsync(user.Email!, user.Name!, user.Role!, passwordHash, transaction, user.EmailVerified ?? false));
        }
        catch (DuplicateEmailException)
        {
            return new AccountCreationResult.EmailTaken();
        }
    }
}
