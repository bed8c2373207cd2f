using System.Net;
using System.Text;
using Api.Tests.Infrastructure;

namespace Api.Tests.Security;

public sealed class StrictParsingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _client = api.Factory.CreateBareClient();

    [Theory]
    [InlineData("""{"email":"a@example.com","email":"b@example.com","password":"x"}""", "email")]
    [InlineData("""{"email":"a@example.com","password":"x","password":"y"}""", "password")]
    public async Task A_field_given_twice_is_refused_with_a_400_naming_it(string body, string field)
    {
        using var response = await PostAsync("/login", body);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal([$"'{field}' is given more than once."], Errors(problem, field));
    }

    [Fact]
    public async Task An_unknown_field_is_named_in_the_errors_so_a_form_library_knows_which_one()
    {
        using var response = await PostAsync("/register", """{"email":"a@example.com","name":"A","password":"long enough pw","confirmPassword":"long enough pw"}""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["'confirmPassword' is not a field of this request."], Errors(problem, "confirmPassword"));
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_named_in_the_errors()
    {
        using var response = await PostAsync("/login", """{"email":"a@example.com","password":"x","rememberMe":"yes"}""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Single(Errors(problem, "rememberMe"));
    }

    [Theory]
    [InlineData("page=xyz", "page", "'page' must be a whole number.")]
    [InlineData("pageSize=1.5", "pageSize", "'pageSize' must be a whole number.")]
    [InlineData("page=99999999999999999999", "page", "'page' must be a whole number.")]
    public async Task A_query_parameter_that_cannot_be_read_is_named_in_the_apis_own_words(string query, string field, string message)
    {
        var admin = await api.Factory.CreateUserAsync("admin");
        var token = await _client.LoginAsync(admin);

        using var response = await _client.GetWithSessionAsync($"/admin/users?{query}", token);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal([message], Errors(problem, field));
        var text = problem.ToString();
        Assert.DoesNotContain("Nullable", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to bind", text, StringComparison.Ordinal);
        Assert.DoesNotContain(query.Split('=')[1], text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_carry_no_server_header()
    {
        var port = Ports.Free();
        await using var kestrel = new ApiFactory(api.Factory.ConnectionString);
        kestrel.UseKestrel(options => options.ListenLocalhost(port));
        kestrel.StartServer();
        using var client = new HttpClient();

        using var response = await client.GetAsync($"http://localhost:{port}/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Server"), string.Join(",", response.Headers.Select(h => h.Key)));
    }

    private Task<HttpResponseMessage> PostAsync(string path, string body) =>
        _client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private static string[] Errors(System.Text.Json.JsonElement problem, string field) =>
        [.. problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString() ?? "")];
}
