using System.Text.RegularExpressions;
using Api.Tests.Browser;

namespace Api.Tests;

/// <summary>The feature folders' dependencies, read from the source: they point one way, and Infrastructure uses no feature.</summary>
public sealed partial class ArchitectureTests
{
    private static readonly string ApiRoot = Path.Combine(BrowserFixture.RepositoryRoot, "Api");

    [Fact]
    public void Infrastructure_uses_no_feature()
    {
        Assert.Empty(Dependencies()["Infrastructure"]);
    }

    [Fact]
    public void Mail_uses_nothing_but_infrastructure()
    {
        // Any feature may send mail through the outbox; the outbox must therefore know none of them.
        Assert.Equal(["Infrastructure"], Dependencies()["Mail"]);
    }

    [Fact]
    public void Audit_uses_nothing_but_infrastructure()
    {
        // Every feature records its security events through the trail, so the trail must know none of them.
        Assert.Equal(["Infrastructure"], Dependencies()["Audit"]);
    }

    [Fact]
    public void No_two_features_depend_on_each_other_directly_or_through_others()
    {
        var graph = Dependencies();
        var done = new HashSet<string>();
        foreach (var start in graph.Keys)
        {
            var cycle = FindCycle(graph, start, [], done);
            Assert.True(cycle is null, "Dependency cycle: " + string.Join(" -> ", cycle ?? []));
        }
    }

    /// <summary>Each folder under Api/ and the other folders its files name (a using directive or a qualified name).</summary>
    internal static Dictionary<string, SortedSet<string>> Dependencies()
    {
        var features = Directory.GetDirectories(ApiRoot).Select(Path.GetFileName).OfType<string>()
            .Where(name => name is not ("bin" or "obj" or "Properties")).ToHashSet();
        var graph = features.ToDictionary(feature => feature, _ => new SortedSet<string>());
        foreach (var feature in features)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(ApiRoot, feature), "*.cs", SearchOption.AllDirectories))
            {
                foreach (Match reference in QualifiedName().Matches(File.ReadAllText(file)))
                {
                    var target = reference.Groups["feature"].Value;
                    if (target != feature && features.Contains(target))
                    {
                        graph[feature].Add(target);
                    }
                }
            }
        }
        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, SortedSet<string>> graph, string node, List<string> path, HashSet<string> done)
    {
        if (path.Contains(node))
        {
            return [.. path.SkipWhile(n => n != node), node];
        }
        if (done.Contains(node))
        {
            return null;
        }
        path.Add(node);
        foreach (var next in graph[node])
        {
            if (FindCycle(graph, next, path, done) is { } cycle)
            {
                return cycle;
            }
        }
        path.RemoveAt(path.Count - 1);
        done.Add(node);
        return null;
    }

    [GeneratedRegex(@"\bApi\.(?<feature>[A-Z]\w*)")]
    private static partial Regex QualifiedName();
}
