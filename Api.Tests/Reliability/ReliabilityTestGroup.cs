namespace Api.Tests.Reliability;

/// <summary>
/// Tests that stop databases, freeze them, start API processes, load the machine or measure time: they run alone, after
/// the parallel tests, so neither disturbs the other's timings.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityTestGroup
{
    public const string Name = "reliability";
}
