using System.Net;
using System.Text.Json;

namespace Api.Tests.Infrastructure;

public static class ProblemAssertions
{
    /// <summary>Asserts an RFC 9457 problem response with the given status, and returns its JSON body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        // Every problem, the framework's own included, carries one of the documented codes: clients branch on it.
        Assert.True(problem.TryGetProperty("code", out var code), $"no code: {body}");
        Assert.Contains(code.GetString(), Api.Infrastructure.ProblemCodes.All);
        return problem;
    }

    /// <summary>As <see cref="AssertProblemAsync(HttpResponseMessage, HttpStatusCode)"/>, and the problem's code is <paramref name="code"/>.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.AssertProblemAsync(status);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }
}
