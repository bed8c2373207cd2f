using Api.Tests.Browser;
using Api.Tests.Infrastructure;

namespace Api.Tests.Clients;

/// <summary>The OpenAPI document, linted by Redocly CLI with the repository's redocly.yaml.</summary>
[Trait("Category", "Clients")]
public sealed class OpenApiLintTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_openapi_document_has_no_lint_errors()
    {
        using var client = api.Factory.CreateBareClient();
        var document = await client.GetStringAsync("/swagger/v1/swagger.json");
        var path = Path.Combine(BrowserFixture.RepositoryRoot, "TestResults", "openapi.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, document);

        var (exitCode, output) = await NodeTool.RunAsync("redocly", ["lint", path, "--config", "redocly.yaml", "--format", "stylish"], TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"redocly lint exit {exitCode}:\n{output}");
        Assert.DoesNotContain(" error ", output, StringComparison.Ordinal);
    }
}
