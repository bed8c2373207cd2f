using System.ComponentModel.DataAnnotations;

namespace Api.Passwords;

public sealed class PasswordOptions
{
    public const string SectionName = "Passwords";

    /// <summary>
    /// bcrypt cost: each step doubles the time per hash. 12 took about 0.19 s on one core of the
    /// development machines (bench/BcryptBench). Raise it as hardware gets faster;
    /// <see cref="PasswordHasher.NeedsRehash"/> then upgrades stored hashes at the next login.
    /// </summary>
    [Range(PasswordHasher.MinCost, PasswordHasher.MaxCost)]
    public int WorkFactor { get; set; } = 12;

    /// <summary>How many bcrypt computations may run at once; 0 means one per processor.</summary>
    [Range(0, 1024)]
    public int MaxConcurrentHashes { get; set; }

    /// <summary>How long a login waits for a free bcrypt slot before it is answered 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the link in a password-reset mail works.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan ResetTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
}
