using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;

namespace Telemetry.Collector.Tests.Hosting;

/// <summary>
/// The first-run endpoints on real Kestrel (loopback): the token check <c>agent doctor</c> uses, the node
/// freshness document, and the status page's bytes and headers.
/// </summary>
public sealed class StatusEndpointsTests : IAsyncLifetime
{
    private const string Token = "token-node-a-0123456789";
    private WebApplication? _app;
    private CollectorService? _service;
    private HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _service = new CollectorService(new CollectorOptions
        {
            Windows = ["10s"],
            Auth = new AuthOptions { Tokens = [new IngestTokenOptions { Token = Token, Nodes = ["a"] }] },
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapCollector(_service, NullLogger.Instance);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app!.DisposeAsync();
        _service!.Dispose();
    }

    [Theory]
    [InlineData(Token, "a", HttpStatusCode.NoContent, null)]
    [InlineData(Token, "b", HttpStatusCode.Forbidden, "this token may not report for node 'b'")]
    [InlineData("not-a-known-token-000", "a", HttpStatusCode.Unauthorized, "unknown bearer token")]
    [InlineData(null, "a", HttpStatusCode.Unauthorized, "missing bearer token (Authorization: Bearer <token>)")]
    [InlineData(Token, null, HttpStatusCode.BadRequest, "missing ?node=<node id>")]
    public async Task The_token_check_answers_as_ingest_would(string? token, string? node, HttpStatusCode status, string? error)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, node is null ? "/v1/auth/check" : "/v1/auth/check?node=" + node);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        if (error is null)
        {
            Assert.Equal("", body);
        }
        else
        {
            using var json = JsonDocument.Parse(body);
            Assert.Equal(error, json.RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(0, Enum.GetValues<Telemetry.Collector.Ingest.RejectReason>().Sum(_service!.Stats.Rejected)); // a check is not a rejected report
    }

    [Fact]
    public async Task Nodes_lists_each_reporting_node_with_the_age_of_its_last_report()
    {
        using (var empty = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/nodes")))
        {
            Assert.Equal(0, empty.RootElement.GetProperty("nodes").GetArrayLength());
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (_, error) = _service!.Ingest(new Reports(node: "a").Next(now, 1, 1, 1));
        Assert.Null(error);
        await Task.Delay(1200); // freshness is measured from the report's arrival: let it age

        using var json = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/nodes"));
        var node = Assert.Single(json.RootElement.GetProperty("nodes").EnumerateArray());
        Assert.Equal("a", node.GetProperty("node").GetString());
        Assert.True(node.GetProperty("up").GetBoolean());
        Assert.InRange(node.GetProperty("age_seconds").GetDouble(), 1.1, 60);
        Assert.Equal(json.RootElement.GetProperty("timestamp_seconds").GetDouble() - node.GetProperty("last_report_seconds").GetDouble(), node.GetProperty("age_seconds").GetDouble(), 3);
    }

    [Fact]
    public async Task The_status_page_is_html_with_its_own_script_and_a_same_origin_policy()
    {
        using var response = await _http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
        var html = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("fetch(path", html, StringComparison.Ordinal);
        Assert.Contains("\"api/v1/kpis\"", html, StringComparison.Ordinal);
        Assert.Contains("\"api/v1/nodes\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(".innerHTML", html, StringComparison.Ordinal); // agents' names are text, never markup
    }
}
