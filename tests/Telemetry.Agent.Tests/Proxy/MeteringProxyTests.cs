using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Proxy;
using Telemetry.Scraping.Engines;
using Xunit;

namespace Telemetry.Agent.Tests.Proxy;

/// <summary>The proxy against an in-process upstream: relay, usage injection and removal, measurement, failures.</summary>
public sealed class MeteringProxyTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private MeteringProxy _proxy = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _proxy = await StartProxyAsync(_upstream.BaseUrl, p =>
        {
            p.TenantSalt = "pepper";
            p.TenantTiers["acme"] = "premium";
        });
    }

    private static async Task<MeteringProxy> StartProxyAsync(string upstream, Action<ProxyOptions>? configure = null)
    {
        var server = new ServerOptions { Name = "s", Tier = "economy", Proxy = new ProxyOptions { Listen = "http://127.0.0.1:0", Upstream = upstream, MaxRequestBodyBytes = 4096 } };
        configure?.Invoke(server.Proxy);
        var proxy = new MeteringProxy(server, NullLoggerFactory.Instance);
        await proxy.StartAsync(CancellationToken.None);
        return proxy;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
        _http.Dispose();
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _proxy.ListenUrl + path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return _http.SendAsync(request);
    }

    private ProxyStreamReading Single() => Assert.Single(_proxy.Ledger.Drain(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    [Fact]
    public async Task A_stream_without_usage_is_measured_by_injected_usage_and_the_client_sees_no_usage_chunk()
    {
        using var response = await PostAsync("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true,\"messages\":[]}", "sk-secret-1");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"include_usage\":true", Assert.Single(_upstream.Bodies), StringComparison.Ordinal);
        Assert.DoesNotContain("usage", text, StringComparison.Ordinal);
        Assert.Equal(6, text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length); // role, 3 tokens, finish, [DONE]
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);

        var s = Single();
        Assert.Equal((11, 3), (s.InputTokens, s.OutputTokens));
        Assert.Equal(0, s.EstimatedRequests);
        Assert.Equal(1, s.Requests[RequestOutcomes.Success]);
        Assert.StartsWith("key-", s.Tenant, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", s.Tenant, StringComparison.Ordinal);
        Assert.Equal("economy", s.Tier);
        var ttft = Assert.Single(s.Sketches, k => k.Metric == HistogramNames.Ttft);
        var tpot = Assert.Single(s.Sketches, k => k.Metric == HistogramNames.Tpot);
        Assert.Equal(1ul, ttft.Count);
        Assert.InRange(tpot.Sum, 0.015, 5); // two 20-ms gaps over (3 − 1) tokens
        Assert.Equal(2ul, tpot.Count); // one chunk per token: each gap is a value of the sketch
    }

    [Fact]
    public async Task A_client_that_asked_for_usage_keeps_its_usage_chunk_and_its_request_bytes()
    {
        const string Body = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        using var response = await PostAsync("/v1/chat/completions", Body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(Body, Assert.Single(_upstream.Bodies));
        Assert.Contains("\"usage\":{\"prompt_tokens\":11", text, StringComparison.Ordinal);
        Assert.Equal(TenantResolver.Anonymous, Single().Tenant);
    }

    [Fact]
    public async Task Non_streamed_responses_pass_unchanged_and_their_usage_is_counted()
    {
        using var response = await PostAsync("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\"}", "k");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("hello world", text, StringComparison.Ordinal);
        var s = Single();
        Assert.Equal((5, 2), (s.InputTokens, s.OutputTokens));
        // Without streaming only end-to-end latency is known: no first token is seen.
        Assert.Equal(1ul, Assert.Single(s.Sketches, k => k.Metric == HistogramNames.E2e).Count);
        Assert.Equal(0ul, Assert.Single(s.Sketches, k => k.Metric == HistogramNames.Ttft).Count);
    }

    [Fact]
    public async Task Ollama_streams_are_relayed_line_by_line_with_nanosecond_durations_in_seconds()
    {
        using var response = await PostAsync("/api/generate", "{\"model\":\"llama3\",\"prompt\":\"x\"}");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3, lines.Length);
        var s = Single();
        Assert.Equal(("llama3", 4L, 2L), (s.Model, s.InputTokens, s.OutputTokens));
        var tpot = Assert.Single(s.Sketches, k => k.Metric == HistogramNames.Tpot);
        Assert.InRange(tpot.Sum, 0.0, 1.0); // streamed: measured by the proxy, one 10-ms gap over one token, never 25,000,000
    }

    [Fact]
    public async Task Upstream_down_answers_502_with_a_json_error_and_counts_an_error()
    {
        await using var proxy = await StartProxyAsync("http://127.0.0.1:1");
        using var response = await _http.PostAsync(proxy.ListenUrl + "/v1/chat/completions", new StringContent("{\"model\":\"m\"}"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("\"type\":\"upstream_unavailable\"", text, StringComparison.Ordinal);
        var s = Assert.Single(proxy.Ledger.Drain(1));
        Assert.Equal(1, s.Requests[RequestOutcomes.Error]);
    }

    [Fact]
    public async Task Upstream_error_statuses_are_passed_through_and_counted()
    {
        using var response = await PostAsync("/v1/chat/completions", "{\"model\":\"fail\",\"stream\":true}");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("busy", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var s = Single();
        Assert.Equal(1, s.Requests[RequestOutcomes.Error]);
        Assert.Equal(0, s.EstimatedRequests);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_and_never_reaches_upstream()
    {
        using var response = await PostAsync("/v1/chat/completions", "{\"model\":\"m\",\"pad\":\"" + new string('x', 5000) + "\"}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("MaxRequestBodyBytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_upstream.Bodies);
    }

    [Fact]
    public async Task Other_paths_pass_through_unmeasured()
    {
        var text = await _http.GetStringAsync(_proxy.ListenUrl + "/v1/models");

        Assert.Equal("{\"data\":[{\"id\":\"m\"}]}", text);
        Assert.Empty(_proxy.Ledger.Drain(1));
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_the_upstream_request_and_is_counted_aborted()
    {
        using (var response = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Post, _proxy.ListenUrl + "/v1/chat/completions")
        {
            Content = new StringContent("{\"model\":\"slow\",\"stream\":true}"),
        }, HttpCompletionOption.ResponseHeadersRead))
        {
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer) > 0);
        } // disposed mid-stream: the connection closes

        await _upstream.UpstreamCancelled.Task.WaitAsync(TimeSpan.FromSeconds(20));
        ProxyStreamReading? s = null;
        for (var i = 0; i < 100 && s is null; i++) // the proxy records just after the relay ends
        {
            s = _proxy.Ledger.Drain(1).FirstOrDefault(r => r.Requests.ContainsKey(RequestOutcomes.Aborted));
            await Task.Delay(50);
        }

        Assert.NotNull(s);
        Assert.Equal(1, s.Requests[RequestOutcomes.Aborted]);
    }

    [Fact]
    public async Task A_mapped_tenant_gets_its_tier_and_alias()
    {
        await using var proxy = await StartProxyAsync(_upstream.BaseUrl, p =>
        {
            p.TenantHeader = "X-Tenant";
            p.TenantTiers["acme"] = "premium";
        });
        var request = new HttpRequestMessage(HttpMethod.Post, proxy.ListenUrl + "/v1/completions") { Content = new StringContent("{\"model\":\"m\"}") };
        request.Headers.Add("X-Tenant", "acme");
        using var response = await _http.SendAsync(request);

        var s = Assert.Single(proxy.Ledger.Drain(1));
        Assert.Equal(("acme", "premium"), (s.Tenant, s.Tier));
    }
}
