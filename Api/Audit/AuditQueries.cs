using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace Api.Audit;

/// <summary>A page of the trail: newest first, from before the event id <see cref="Before"/>, at most <see cref="Limit"/> events.</summary>
public sealed record AuditQuery(
    [FromQuery(Name = "userId")] long? UserId,
    [FromQuery(Name = "type")] string? Type,
    [FromQuery(Name = "before")] long? Before,
    [FromQuery(Name = "limit")] int? Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
}

/// <summary>The caller's own events: the same paging, no filters.</summary>
public sealed record ActivityQuery(
    [FromQuery(Name = "before")] long? Before,
    [FromQuery(Name = "limit")] int? Limit);

public sealed class AuditQueryValidator : AbstractValidator<AuditQuery>
{
    public AuditQueryValidator()
    {
        RuleFor(x => x.UserId).GreaterThan(0);
        RuleFor(x => x.Type).Must(type => type is null || AuditEventTypes.All.Contains(type))
            .WithMessage($"'type' must be one of: {string.Join(", ", AuditEventTypes.All)}.");
        RuleFor(x => x.Before).GreaterThan(0);
        RuleFor(x => x.Limit).InclusiveBetween(1, AuditQuery.MaxLimit);
    }
}

public sealed class ActivityQueryValidator : AbstractValidator<ActivityQuery>
{
    public ActivityQueryValidator()
    {
        RuleFor(x => x.Before).GreaterThan(0);
        RuleFor(x => x.Limit).InclusiveBetween(1, AuditQuery.MaxLimit);
    }
}
