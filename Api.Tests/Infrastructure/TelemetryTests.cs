using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Api.Infrastructure;
using Api.Sessions;
using Api.Tests.Mail;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Api.Tests.Infrastructure;

[Collection(TelemetryTestGroup.Name)]
public sealed class TelemetryTests(TelemetryFixture telemetry) : IClassFixture<TelemetryFixture>
{
    private readonly ApiFactory _api = telemetry.Factory;
    private readonly HttpClient _client = telemetry.Factory.CreateBareClient();

    [Fact]
    public async Task Get_profile_is_a_server_span_whose_child_is_the_npgsql_span_of_the_session_lookup()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var agent = Agent();

        using var response = await SendAsync(HttpMethod.Get, "/profile", agent, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var server = await telemetry.ServerSpanAsync(agent);
        Assert.Equal("/profile", server.GetTagItem("url.path"));
        // The route as the group and its endpoint spell it together.
        Assert.Equal("/profile/", server.GetTagItem("http.route"));
        Assert.Equal("GET /profile/", server.DisplayName);
        Assert.Equal(200, server.GetTagItem("http.response.status_code"));
        var lookup = Assert.Single(telemetry.Spans.Snapshot(), s => s.Source.Name == "Npgsql" && s.ParentSpanId == server.SpanId);
        Assert.Equal(server.TraceId, lookup.TraceId);
        Assert.Equal(ActivityKind.Client, lookup.Kind);
        Assert.Equal("postgresql", lookup.GetTagItem("db.system.name"));
        Assert.Contains("WHERE s.token_hash = @tokenHash", (string)lookup.GetTagItem("db.query.text")!, StringComparison.Ordinal);
        // The statement's text, never its parameters' values.
        Assert.DoesNotContain(lookup.TagObjects, tag => tag.Key.StartsWith("db.query.parameter", StringComparison.Ordinal));
        Assert.DoesNotContain(token, AllText(telemetry.Spans.Snapshot(), []), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logins_are_counted_by_outcome_and_their_bcrypt_slot_waits_measured()
    {
        var user = await _api.CreateUserAsync();
        var succeeded = telemetry.Total("auth.logins", "outcome", "succeeded");
        var invalid = telemetry.Total("auth.logins", "outcome", "invalid_credentials");
        var waits = telemetry.Total("auth.bcrypt.slot.wait_time", "outcome", "acquired");
        var created = telemetry.Total("auth.sessions.created");

        using (var wrong = await _client.PostLoginAsync(user.Email, "wrong password"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var unknown = await _client.PostLoginAsync($"nobody-{Guid.NewGuid():N}@example.com", "wrong password"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }
        await _client.LoginAsync(user);

        Assert.Equal(succeeded + 1, telemetry.Total("auth.logins", "outcome", "succeeded"));
        Assert.Equal(invalid + 2, telemetry.Total("auth.logins", "outcome", "invalid_credentials"));
        Assert.Equal(waits + 3, telemetry.Total("auth.bcrypt.slot.wait_time", "outcome", "acquired"));
        Assert.Equal(created + 1, telemetry.Total("auth.sessions.created"));
        var loginMetric = Assert.Single(telemetry.FlushMetrics(), m => m.Name == "auth.logins");
        Assert.Equal("{login}", loginMetric.Unit);
        Assert.Equal(ApiMetrics.MeterName, loginMetric.MeterName);
    }

    [Fact]
    public async Task The_failure_that_locks_an_account_counts_one_lockout_and_the_refused_login_after_it_counts_as_locked()
    {
        var user = await _api.CreateUserAsync();
        var lockouts = telemetry.Total("auth.lockouts", "budget", "account");
        var locked = telemetry.Total("auth.logins", "outcome", "locked");

        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var wrong = await _client.PostLoginAsync(user.Email, "wrong password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var refused = await _client.PostLoginAsync(user.Email, user.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(lockouts + 1, telemetry.Total("auth.lockouts", "budget", "account"));
        Assert.Equal(locked + 1, telemetry.Total("auth.logins", "outcome", "locked"));
    }

    [Fact]
    public async Task A_right_password_on_the_attempt_that_would_have_locked_counts_no_lockout()
    {
        var user = await _api.CreateUserAsync();
        var lockouts = telemetry.Total("auth.lockouts");

        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var wrong = await _client.PostLoginAsync(user.Email, "wrong password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        await _client.LoginAsync(user);

        Assert.Equal(lockouts, telemetry.Total("auth.lockouts"));
    }

    [Fact]
    public async Task A_logout_and_a_revocation_count_the_sessions_they_end_by_reason()
    {
        var user = await _api.CreateUserAsync();
        var logouts = telemetry.Total("auth.sessions.ended", "reason", "logout");
        var others = telemetry.Total("auth.sessions.ended", "reason", "other_sessions_revoked");
        var first = await _client.LoginAsync(user);
        await _client.LoginAsync(user);
        await _client.LoginAsync(user);
        var current = await _client.LoginAsync(user);

        using (var revoke = await _client.SendWithCookieAsync(HttpMethod.Delete, "/sessions", $"{ApiClient.CookieName}={current}"))
        {
            Assert.Equal(3, (await revoke.Content.ReadFromJsonAsync<RevokedResponse>())!.Revoked);
        }
        using (var logout = await _client.SendWithCookieAsync(HttpMethod.Post, "/logout", $"{ApiClient.CookieName}={current}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        Assert.Equal(others + 3, telemetry.Total("auth.sessions.ended", "reason", "other_sessions_revoked"));
        Assert.Equal(logouts + 1, telemetry.Total("auth.sessions.ended", "reason", "logout"));
        await _client.AssertSessionDeadAsync(first);
    }

    [Fact]
    public async Task The_cleanup_service_counts_the_rows_each_task_deleted()
    {
        var user = await _api.CreateUserAsync();
        var deleted = telemetry.Total("auth.cleanup.deleted", "task", "session_cleanup");
        var ended = telemetry.Total("auth.sessions.ended", "reason", "expired_cleanup");

        await SessionSeeding.InsertExpiredAsync(_api.ConnectionString, 3, _api.Clock.GetUtcNow().UtcDateTime, user.Id);

        await MailTesting.EventuallyAsync(() => telemetry.Total("auth.cleanup.deleted", "task", "session_cleanup") == deleted + 3, "the cleanup counts three rows");
        Assert.Equal(ended + 3, telemetry.Total("auth.sessions.ended", "reason", "expired_cleanup"));
    }

    [Fact]
    public async Task A_mail_the_smtp_server_accepted_is_counted_as_sent()
    {
        var sent = telemetry.Total("auth.mail.sent");
        var mail = MailTesting.NewMail("telemetry").Mail;

        await _api.EnqueueAsync(mail);

        await MailTesting.EventuallyAsync(() => telemetry.Smtp.For(mail.To).Count == 1, "the mail arrives");
        await MailTesting.EventuallyAsync(() => telemetry.Total("auth.mail.sent") == sent + 1, "the mail is counted as sent");
        Assert.Equal(0, telemetry.Total("auth.mail.failed"));
    }

    [Fact]
    public async Task A_browser_traceparent_marked_not_sampled_still_gets_a_recorded_trace_of_our_own_that_links_to_it()
    {
        var user = await _api.CreateUserAsync();
        var token = await _client.LoginAsync(user);
        var agent = Agent();
        var browserTrace = ActivityTraceId.CreateRandom();
        var browserSpan = ActivitySpanId.CreateRandom();

        using var response = await SendAsync(HttpMethod.Get, "/profile", agent, token, traceParent: $"00-{browserTrace}-{browserSpan}-00");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = telemetry.Requests[agent];
        Assert.True(seen.Recorded);
        Assert.NotEqual(browserTrace, seen.TraceId);
        Assert.Equal(default, seen.ParentSpanId);
        var span = await telemetry.ServerSpanAsync(agent);
        Assert.Equal(seen.TraceId, span.TraceId);
        var link = Assert.Single(span.Links);
        Assert.Equal(browserTrace, link.Context.TraceId);
        Assert.Equal(browserSpan, link.Context.SpanId);
        Assert.Contains(telemetry.Spans.Snapshot(), s => s.Source.Name == "Npgsql" && s.ParentSpanId == span.SpanId);
    }

    [Fact]
    public async Task A_malformed_traceparent_is_ignored()
    {
        var agent = Agent();

        using var response = await SendAsync(HttpMethod.Get, "/session", agent, traceParent: "00-not-a-trace-01");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(telemetry.Requests[agent].Recorded);
        Assert.Empty((await telemetry.ServerSpanAsync(agent)).Links);
    }

    [Fact]
    public async Task No_span_attribute_metric_tag_or_exported_name_holds_an_email_address_even_one_typed_into_a_query()
    {
        var user = await _api.CreateUserAsync();
        var admin = await _api.CreateUserAsync(Roles.Admin);
        var adminToken = await _client.LoginAsync(admin);
        var unknown = $"unknown-{Guid.NewGuid():N}@example.com";
        var registered = $"registered-{Guid.NewGuid():N}@example.com";
        var agents = new List<string>();
        string Marked()
        {
            agents.Add(Agent());
            return agents[^1];
        }

        (await SendAsync(HttpMethod.Post, "/login", Marked(), body: new { email = user.Email, password = user.Password })).Dispose();
        (await SendAsync(HttpMethod.Post, "/login", Marked(), body: new { email = user.Email, password = "wrong password" })).Dispose();
        (await SendAsync(HttpMethod.Post, "/login", Marked(), body: new { email = unknown, password = "wrong password" })).Dispose();
        (await SendAsync(HttpMethod.Post, "/register", Marked(), body: new { email = registered, name = "Reg", password = "correct horse battery staple" })).Dispose();
        (await SendAsync(HttpMethod.Post, "/password/forgot", Marked(), body: new { email = user.Email })).Dispose();
        (await SendAsync(HttpMethod.Get, $"/admin/users?search={Uri.EscapeDataString(user.Email)}", Marked(), adminToken)).Dispose();
        var searchWithoutName = Marked();
        (await SendAsync(HttpMethod.Get, $"/admin/users?{user.Email}", searchWithoutName, adminToken)).Dispose();
        await MailTesting.EventuallyAsync(() => telemetry.Smtp.For(user.Email).Count == 1 && telemetry.Smtp.For(registered).Count == 1, "the reset and verification mails are sent");
        foreach (var agent in agents)
        {
            await telemetry.ServerSpanAsync(agent);
        }

        var spans = telemetry.Spans.Snapshot();
        var text = AllText(spans, telemetry.FlushMetrics());
        Assert.Contains("/admin/users", text, StringComparison.Ordinal);
        Assert.Contains("auth.logins", text, StringComparison.Ordinal);
        foreach (var email in new[] { user.Email, admin.Email, unknown, registered })
        {
            Assert.DoesNotContain(email, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Uri.EscapeDataString(email), text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Null((await telemetry.ServerSpanAsync(searchWithoutName)).GetTagItem("url.query"));
    }

    private static string Agent() => TelemetryFixture.MarkedAgent + Guid.NewGuid().ToString("N");

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string agent, string? token = null, object? body = null, string? traceParent = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        if (token is not null)
        {
            request.Headers.Add("Cookie", $"{ApiClient.CookieName}={token}");
        }
        if (traceParent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }
        return _client.SendAsync(request);
    }

    /// <summary>Every name and value the exporters were given, one per line.</summary>
    internal static string AllText(IEnumerable<Activity> spans, IEnumerable<MetricSnapshot> metrics)
    {
        var text = new StringBuilder();
        foreach (var span in spans)
        {
            text.AppendLine(span.DisplayName).AppendLine(span.OperationName).AppendLine(span.StatusDescription).AppendLine(span.TraceStateString);
            AppendTags(text, span.TagObjects);
            foreach (var spanEvent in span.Events)
            {
                text.AppendLine(spanEvent.Name);
                AppendTags(text, spanEvent.Tags);
            }
            foreach (var link in span.Links)
            {
                text.AppendLine(link.Context.TraceState);
                AppendTags(text, link.Tags ?? []);
            }
            foreach (var (key, value) in span.Baggage)
            {
                text.AppendLine(key).AppendLine(value);
            }
        }
        foreach (var metric in metrics)
        {
            text.AppendLine(metric.Name).AppendLine(metric.Description).AppendLine(metric.Unit);
            foreach (var point in metric.MetricPoints)
            {
                AppendTags(text, TelemetryFixture.Tags(point));
            }
        }
        return text.ToString();
    }

    private static void AppendTags(StringBuilder text, IEnumerable<KeyValuePair<string, object?>> tags)
    {
        foreach (var (key, value) in tags)
        {
            text.Append(key).Append('=').AppendLine(value is Array array ? string.Join(",", array.Cast<object?>()) : value?.ToString());
        }
    }
}

[Collection(TelemetryTestGroup.Name)]
public sealed class TelemetrySamplingTests(NoSamplingTelemetryFixture telemetry) : IClassFixture<NoSamplingTelemetryFixture>
{
    [Fact]
    public async Task A_browser_traceparent_marked_sampled_does_not_force_a_trace_our_sampler_drops()
    {
        using var client = telemetry.Factory.CreateBareClient();
        var agent = TelemetryFixture.MarkedAgent + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/session");
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(telemetry.Requests[agent].Recorded);
        // Metrics do not depend on sampling.
        Assert.True(telemetry.Total("http.server.request.duration") > 0);
        await Task.Delay(200);
        Assert.Null(telemetry.FindServerSpan(agent));
    }
}

/// <summary>Telemetry off: the OpenTelemetry SDK is not in the container at all, so it costs nothing.</summary>
public sealed class TelemetryOffTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public void Without_an_otlp_endpoint_no_tracer_or_meter_provider_is_registered()
    {
        Assert.Null(api.Factory.Services.GetService<TracerProvider>());
        Assert.Null(api.Factory.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task Telemetry_switched_off_registers_no_provider_even_with_an_otlp_endpoint()
    {
        await using var factory = new ApiFactory(api.Factory.ConnectionString, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
            ["Telemetry:Enabled"] = "false",
        });

        Assert.Null(factory.Services.GetService<TracerProvider>());
        Assert.Null(factory.Services.GetService<MeterProvider>());
    }
}

/// <summary>The wire format: an OTLP/HTTP receiver in the test stands in for a collector.</summary>
[Collection(TelemetryTestGroup.Name)]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task With_an_otlp_endpoint_set_traces_and_metrics_are_posted_as_protobuf_without_the_users_email()
    {
        var received = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        await using var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue((request.Path, request.ContentType, body.ToArray()));
            return Results.Bytes([], "application/x-protobuf");
        });
        await collector.StartAsync();
        var serviceName = $"otlp-test-{Guid.NewGuid():N}";
        await using var api = new ApiFactory(await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Urls.Single(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = serviceName,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "250",
        });
        using var client = api.CreateBareClient();
        var user = await api.CreateUserAsync();

        var token = await client.LoginAsync(user);
        using var profile = await client.GetWithSessionAsync("/profile", token);

        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        bool Got(string path, params string[] texts) => received.Any(r =>
            r.Path == path && texts.All(t => Encoding.UTF8.GetString(r.Body).Contains(t, StringComparison.Ordinal)));
        // A request's spans can leave in two batches (its database span ends first), so each is looked for on its own.
        await MailTesting.EventuallyAsync(() => Got("/v1/traces", serviceName, "GET /profile") && Got("/v1/traces", serviceName, "db.query.text"), "the spans are exported");
        await MailTesting.EventuallyAsync(() => Got("/v1/metrics", serviceName, "auth.logins", "http.server.request.duration", "db.client.operation.duration"), "the metrics are exported");
        Assert.All(received, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.All(received, r => Assert.DoesNotContain(user.Email, Encoding.UTF8.GetString(r.Body), StringComparison.OrdinalIgnoreCase));
    }
}
