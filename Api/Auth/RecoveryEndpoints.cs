using Api.Infrastructure;
using Api.Passwords;
using Api.Security;
using Microsoft.Extensions.Options;

namespace Api.Auth;

public static partial class RecoveryEndpoints
{
    private const string LinkOnItsWay = "If an account has this address, a mail with a link is on its way.";

    public static IEndpointRouteBuilder MapRecovery(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Account recovery").RequireRateLimiting(SecurityConfiguration.AuthRateLimit);

        group.MapPost("/password/forgot", ForgotPassword)
            .WithName("ForgotPassword")
            .WithSummary("Mail a password-reset link to the address, if an account has it: 202 either way.")
            .WithDescription("The answer, its statements and its timing are the same whether or not the account exists. An account is mailed at most one link per Email:PerAccountInterval; further requests are answered 202 all the same.")
            .WithValidation<EmailRequest>();

        group.MapPost("/password/reset", ResetPassword)
            .WithName("ResetPassword")
            .WithSummary("Set a new password with the token from a reset mail: every session of the user ends and the account's lock lifts.")
            .WithDescription("A token works once, within Passwords:ResetTokenLifetime; a newer reset mail supersedes it. An invalid, used or expired token is 400 with code token_invalid.")
            .WithValidation<ResetPasswordRequest>();

        group.MapPost("/email/verify", VerifyEmail)
            .WithName("VerifyEmail")
            .WithSummary("Confirm the account's address with the token from a verification mail.")
            .WithValidation<VerifyEmailRequest>();

        group.MapPost("/email/verify/resend", ResendVerification)
            .WithName("ResendVerification")
            .WithSummary("Mail the verification link again, if an unverified account has the address: 202 either way.")
            .WithValidation<EmailRequest>();

        var services = routes.ServiceProvider;
        var links = services.GetRequiredService<IOptions<AccountMailOptions>>().Value;
        if (!services.GetRequiredService<IHostEnvironment>().IsDevelopment()
            && (links.ResetUrl == AccountMailOptions.DefaultResetUrl || links.VerifyUrl == AccountMailOptions.DefaultVerifyUrl))
        {
            LogSampleLinks(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RecoveryEndpoints)));
        }
        return routes;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Email:ResetUrl or Email:VerifyUrl still points at the sample SPA on localhost: set them to your SPA's pages, or the links in account mails lead nowhere.")]
    private static partial void LogSampleLinks(ILogger logger);

    public static async Task<Accepted<AcceptedResponse>> ForgotPassword(EmailRequest request, AccountRequestStore requests)
    {
        await requests.EnqueueAsync(TokenPurpose.PasswordReset, request.Email!);
        return TypedResults.Accepted((string?)null, new AcceptedResponse(LinkOnItsWay));
    }

    public static async Task<Accepted<AcceptedResponse>> ResendVerification(EmailRequest request, AccountRequestStore requests)
    {
        await requests.EnqueueAsync(TokenPurpose.EmailVerification, request.Email!);
        return TypedResults.Accepted((string?)null, new AcceptedResponse(LinkOnItsWay));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetPassword(
        ResetPasswordRequest request, HttpContext http, PasswordHasher hasher, PasswordWorkLimiter limiter, AccountRecovery recovery)
    {
        // A token that cannot be one costs no bcrypt.
        if (!SecretToken.TryHash(request.Token, out _))
        {
            return Problems.TokenInvalid();
        }
        // bcrypt before the token is spent: a busy server must not cost the user their link.
        var (ran, hash) = await limiter.TryRunAsync(() => hasher.Hash(request.NewPassword!), http.RequestAborted);
        if (!ran)
        {
            return Problems.PasswordCheckBusy(http);
        }
        return await recovery.ResetPasswordAsync(http, request.Token!, hash) ? TypedResults.NoContent() : Problems.TokenInvalid();
    }

    public static async Task<Results<NoContent, ValidationProblem>> VerifyEmail(VerifyEmailRequest request, HttpContext http, AccountRecovery recovery) =>
        await recovery.VerifyEmailAsync(http, request.Token!) ? TypedResults.NoContent() : Problems.TokenInvalid();
}
