using Api.Tests.Browser;
using Api.Tests.Infrastructure;

namespace Api.Tests.Clients;

/// <summary>
/// The sample SPA is typed against the live contract: openapi-typescript turns the running API's OpenAPI document into
/// TypeScript types, and tsc (strict, checkJs) checks the SPA's JavaScript against them, so a change to the document that
/// the SPA does not follow fails here. The committed samples/spa/api-types.d.ts must be what the API generates today.
/// </summary>
[Trait("Category", "Clients")]
public sealed class TypedClientTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string Spa = Path.Combine(BrowserFixture.RepositoryRoot, "samples", "spa");

    [Fact]
    public async Task The_sample_spa_type_checks_against_types_generated_from_the_running_api()
    {
        var work = Directory.CreateTempSubdirectory("typed-client-").FullName;
        try
        {
            using var client = api.Factory.CreateBareClient();
            var document = Path.Combine(work, "openapi.json");
            await File.WriteAllTextAsync(document, await client.GetStringAsync("/swagger/v1/swagger.json"));
            var generated = Path.Combine(work, "api-types.d.ts");

            var (generateExit, generateOutput) = await NodeTool.RunAsync("openapi-typescript", [document, "--output", generated], TimeSpan.FromMinutes(2));
            Assert.True(generateExit == 0, $"openapi-typescript exit {generateExit}:\n{generateOutput}");

            // Vendored libraries come with a .d.ts beside them, which tsc reads instead of checking their code.
            var vendored = Directory.GetFiles(Path.Combine(Spa, "vendor"), "*", SearchOption.AllDirectories);
            foreach (var file in Directory.GetFiles(Spa, "*.js").Append(Path.Combine(Spa, "tsconfig.json")).Concat(vendored))
            {
                var copy = Path.Combine(work, Path.GetRelativePath(Spa, file));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
            }
            var (checkExit, checkOutput) = await NodeTool.RunAsync("tsc", ["--project", work], TimeSpan.FromMinutes(2));
            Assert.True(checkExit == 0, $"tsc found the SPA out of step with the API's contract:\n{checkOutput}");

            var committed = Path.Combine(Spa, "api-types.d.ts");
            if (Environment.GetEnvironmentVariable("UPDATE_CLIENT_TYPES") == "1")
            {
                File.Copy(generated, committed, overwrite: true);
            }
            Assert.True(File.Exists(committed) && await File.ReadAllTextAsync(committed) == await File.ReadAllTextAsync(generated),
                "samples/spa/api-types.d.ts is not what the API generates now; run "
                + "UPDATE_CLIENT_TYPES=1 dotnet test --filter FullyQualifiedName~TypedClientTests and commit the change.");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
