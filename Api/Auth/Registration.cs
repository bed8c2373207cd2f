using Api.Audit;
using Api.Sessions;
using Api.Users;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Api.Auth;

/// <summary>
/// A new account, the mail that asks to verify its address, and its first session are written in one transaction, and
/// the cookie only after the commit: a request that fails halfway leaves no account behind that its owner could neither
/// log in to nor register again. With <see cref="RegistrationOptions.RequireVerifiedEmail"/> there is no session until
/// the address is verified and the owner logs in.
/// </summary>
public sealed class Registration(
    NpgsqlDataSource dataSource, AccountCreation accounts, SessionIssuer issuer, AccountMails mails, AuditTrail audit, IOptions<RegistrationOptions> options)
{
    /// <summary>Whether an account must verify its address before it gets a session (and so a registration logs no one in).</summary>
    public bool RequiresVerifiedEmail => options.Value.RequireVerifiedEmail;

    public async Task<AccountCreationResult> RegisterAsync(HttpContext http, NewUser user)
    {
        // bcrypt first, outside the transaction.
        if (await accounts.HashPasswordAsync(user, http.RequestAborted) is not { } hash)
        {
            return new AccountCreationResult.Busy();
        }
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var result = await accounts.InsertAsync(user, hash, transaction);
        if (result is not AccountCreationResult.Created(var id))
        {
            return result;
        }
        await mails.SendVerificationAsync(transaction, (await UserStore.FindRecipientAsync(transaction, id))!);
        await audit.WriteAsync(transaction, AuditEvent.Of(http, AuditEventTypes.UserCreated, id, id,
            detail: new Dictionary<string, string> { ["via"] = "registration", ["role"] = user.Role! }));
        if (RequiresVerifiedEmail)
        {
            await transaction.CommitAsync();
            return result;
        }
        var session = await issuer.CreateAsync(http, id, rememberMe: false, transaction);
        await transaction.CommitAsync();
        issuer.WriteCookie(http, session, rememberMe: false);
        return result;
    }
}
