using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Proxy;
using Telemetry.Wire.Sketches;
using Xunit;
using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// The metering proxy in front of a real llama-server: through the real agent and collector processes
/// its per-tenant token counts equal the engine's own counters' increase; client disconnects are counted
/// and cancel the generation; and its sketch quantiles stay within 1% of the exact per-request values.
/// </summary>
[Collection("processes")]
public sealed class ProxyLlamaServerTests(ITestOutputHelper output)
{
    private const int Requests = 24;

    [Fact]
    public async Task Proxy_tokens_per_tenant_add_up_to_the_engines_own_counters_on_metrics_and_in_the_kpi_json()
    {
        using var server = await LlamaServerProcess.StartAsync();
        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var proxyUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
        {
            ["Collector__Listen"] = collectorUrl,
            ["Collector__Windows__0"] = "1m",
            ["Collector__Tiers__0__Name"] = "premium",
            ["Collector__Tiers__0__PricePerMillionTokensUsd"] = "12",
        });
        var alpha = new TenantResolver(new ProxyOptions { TenantSalt = "e2e-salt" }, "").Hash("key-", ProxyLoad.ApiKeys[0]);
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], new Dictionary<string, string>
        {
            ["Agent__Node"] = "proxy-node",
            ["Agent__IntervalSeconds"] = "0.5",
            ["Agent__Collector__Url"] = collectorUrl,
            ["Agent__Power__Sources__0"] = "simulated",
            ["Agent__Power__Simulated__Gpus"] = "1",
            ["Agent__Servers__0__Name"] = "llama",
            ["Agent__Servers__0__Url"] = server.MetricsUrl,
            ["Agent__Servers__0__Engine"] = "llamacpp",
            ["Agent__Servers__0__Model"] = LlamaServerProcess.ModelAlias,
            ["Agent__Servers__0__Tier"] = "economy",
            ["Agent__Servers__0__Proxy__Listen"] = proxyUrl,
            ["Agent__Servers__0__Proxy__Upstream"] = server.BaseUrl,
            ["Agent__Servers__0__Proxy__TenantSalt"] = "e2e-salt",
            [$"Agent__Servers__0__Proxy__TenantAliases__{alpha}"] = "alpha",
            ["Agent__Servers__0__Proxy__TenantTiers__alpha"] = "premium",
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string Logs() => $"--- llama-server ---\n{server.Output}\n--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";
        double? Engine(string m, string type) => ExpositionText.Find(m, "inference_tokens_total", ("server", "llama"), ("token_type", type));

        await Poll.UntilAsync(async () => await MetricsAsync(http, collectorUrl) is { } m && Engine(m, "output") == 0 && await HealthyAsync(http, proxyUrl),
            TimeSpan.FromSeconds(60), Logs);

        var load = await ProxyLoad.RunAsync(proxyUrl, Requests);
        Assert.True(load.Problems.Count == 0, string.Join("\n", load.Problems));
        Assert.True(load.StreamsWithoutUsage > 0, "the load must include streams whose usage the proxy had to ask for");

        string metrics = "";
        double ProxySum(string type) => ProxyTokens(metrics, type).Sum(t => t.Value);
        await Poll.UntilAsync(async () => (metrics = await MetricsAsync(http, collectorUrl) ?? "") is var m
                && Engine(m, "output") is > 0 && ProxySum("output") == Engine(m, "output") && ProxySum("input") == Engine(m, "input")
                && ExpositionText.Find(m, "inference_proxy_requests_total", ("tenant", "alpha"), ("outcome", "success")) == Requests / 2,
            TimeSpan.FromSeconds(30), () => $"engine vs proxy tokens differ\n{metrics}\n{Logs()}");
        output.WriteLine($"engine output {Engine(metrics, "output")}, proxy {string.Join(", ", ProxyTokens(metrics, "output"))}");

        var tenants = ProxyTokens(metrics, "output").Select(t => t.Tenant).ToHashSet();
        Assert.Equal(2, tenants.Count);
        Assert.Contains("alpha", tenants);
        Assert.All(tenants, t => Assert.DoesNotContain("secret", t, StringComparison.Ordinal)); // API keys never leave the agent raw
        Assert.DoesNotContain("sk-", metrics, StringComparison.Ordinal);
        Assert.Equal(0, ExpositionText.Find(metrics, "inference_proxy_estimated_requests_total", ("tenant", "alpha")));
        Assert.NotNull(ExpositionText.Find(metrics, "inference_kpi_proxy_latency_seconds", ("scope", "tenant"), ("tenant", "alpha"), ("tier", "premium"), ("metric", "ttft"), ("quantile", "0.99")));
        Assert.True(ExpositionText.Find(metrics, "inference_kpi_tokens_per_user_hour", ("scope", "tenant"), ("tenant", "alpha"), ("token_type", "total")) > 0, metrics);

        using var kpis = JsonDocument.Parse(await http.GetStringAsync(collectorUrl + "/api/v1/kpis?scope=request_tier&window=1m"));
        var tiers = kpis.RootElement.GetProperty("proxy").EnumerateArray().Select(r => r.GetProperty("labels").GetProperty("tier").GetString()).ToHashSet();
        Assert.Equal(["economy", "premium"], tiers.Order());
        var premium = kpis.RootElement.GetProperty("proxy").EnumerateArray().Single(r => r.GetProperty("labels").GetProperty("tier").GetString() == "premium");
        Assert.True(premium.GetProperty("revenue_usd").GetDouble() > 0);
        Assert.True(premium.GetProperty("latency_seconds").GetProperty("e2e").GetProperty("p99").GetDouble() > 0);
    }

    [Fact]
    public async Task A_client_disconnect_cancels_the_generation_and_is_counted_aborted()
    {
        // A generation far longer than the cancellation takes to reach llama-server, even on an idle machine
        // where 120 tokens of this tiny model take ~100 ms (they could all be done before the disconnect arrived).
        const int MaxTokens = 3_000;
        using var server = await LlamaServerProcess.StartAsync(contextTokens: 2 * 4_096);
        await using var proxy = await StartProxyAsync(server);
        // No draining of an abandoned response: disposing it closes the connection, as a client that goes away does.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { Timeout = TimeSpan.FromSeconds(30) };
        double Predicted(string metrics) => ExpositionText.Find(metrics, "llamacpp:tokens_predicted_total") ?? -1;
        var before = Predicted(await http.GetStringAsync(server.MetricsUrl));
        var aborted = new TaskCompletionSource<RequestRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.RequestMeasured += r => aborted.TrySetResult(r);

        var body = "{\"prompt\":\"Once\",\"max_tokens\":" + MaxTokens + ",\"stream\":true}";
        using (var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, proxy.ListenUrl + "/v1/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead))
        {
            var stream = await response.Content.ReadAsStreamAsync();
            Assert.True(await stream.ReadAsync(new byte[32]) > 0);
        }

        var record = await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("aborted", record.Outcome);
        // llama-server notices the closed upstream connection and stops generating before max_tokens.
        string metrics = "";
        await Poll.UntilAsync(async () => ExpositionText.Find(metrics = await http.GetStringAsync(server.MetricsUrl), "llamacpp:requests_processing") == 0,
            TimeSpan.FromSeconds(20), () => server.Output);
        output.WriteLine($"tokens generated before the cancellation took effect: {Predicted(metrics) - before} of {MaxTokens}");
        Assert.InRange(Predicted(metrics) - before, 0, MaxTokens - 1);
    }

    [Fact]
    public async Task Sketch_quantiles_are_within_one_percent_of_the_exact_per_request_values()
    {
        using var server = await LlamaServerProcess.StartAsync();
        await using var proxy = await StartProxyAsync(server);
        var records = new List<RequestRecord>();
        proxy.RequestMeasured += r =>
        {
            lock (records)
            {
                records.Add(r);
            }
        };

        var load = await ProxyLoad.RunAsync(proxy.ListenUrl, 40);
        Assert.True(load.Problems.Count == 0, string.Join("\n", load.Problems));
        var drained = proxy.Ledger.Drain(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        foreach (var (metric, exactOf) in new (string, Func<RequestRecord, double?>)[]
            { ("ttft_seconds", r => r.TtftSeconds), ("tpot_seconds", r => r.TpotSeconds), ("e2e_seconds", r => r.E2eSeconds) })
        {
            // TPOT's sketch holds each inter-chunk gap where a chunk carried one token, else the request's mean.
            var exact = (metric == "tpot_seconds"
                ? records.SelectMany(r => r.ChunkGapsSeconds ?? (r.TpotSeconds is { } t ? [t] : []))
                : records.Select(exactOf).OfType<double>()).Order().ToArray();
            var sketch = new LogSketch();
            foreach (var s in drained.SelectMany(d => d.Sketches).Where(s => s.Metric == metric))
            {
                Assert.Null(sketch.TryMerge(s));
            }

            Assert.Equal((ulong)exact.Length, sketch.Count);
            Assert.True(exact.Length >= 10, $"{metric}: only {exact.Length} values");
            foreach (var q in new[] { 0.5, 0.9, 0.95, 0.99 })
            {
                var truth = exact[(int)Math.Floor(q * (exact.Length - 1))];
                var estimate = sketch.Quantile(q)!.Value;
                output.WriteLine($"{metric} p{q * 100} of {exact.Length}: exact {truth * 1000:F3} ms, sketch {estimate * 1000:F3} ms");
                Assert.True(Math.Abs(estimate - truth) <= 0.01 * truth, $"{metric} q={q}: sketch {estimate} vs exact {truth}");
            }
        }
    }

    /// <summary>
    /// llama-server closes the connection after every streamed response although it answered keep-alive: once the
    /// proxy has met one such dead pooled connection it stops pooling stream connections, so concurrent streams
    /// are not sent twice again (docs/proxy.md, "Upstream connections").
    /// </summary>
    [Fact]
    public async Task Concurrent_streams_stop_meeting_connections_llama_server_closed_once_the_proxy_has_seen_one()
    {
        const int Streams = 120, Clients = 4;
        using var server = await LlamaServerProcess.StartAsync();
        await using var proxy = await StartProxyAsync(server);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= Streams)
            {
                using var content = new StringContent("{\"prompt\":\"Once upon a time\",\"max_tokens\":4,\"stream\":true}", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(proxy.ListenUrl.TrimEnd('/') + "/v1/completions", content);
                Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
                Assert.EndsWith("data: [DONE]\n\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }));

        output.WriteLine($"upstream retries over {Streams} streams from {Clients} clients: {proxy.UpstreamRetries}");
        // Without the fix 8 of 60 streams met a closed connection here; with it, at most the streams already on their
        // way to a pooled connection when the first retry taught the proxy.
        Assert.InRange(proxy.UpstreamRetries, 0, Clients);
        var drained = proxy.Ledger.Drain(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Equal(Streams, drained.Sum(d => d.Requests.GetValueOrDefault("success")));
    }

    private static async Task<MeteringProxy> StartProxyAsync(LlamaServerProcess server)
    {
        var proxy = new MeteringProxy(new ServerOptions
        {
            Name = "llama",
            Proxy = new ProxyOptions { Listen = "http://127.0.0.1:0", Upstream = server.BaseUrl },
        }, NullLoggerFactory.Instance);
        await proxy.StartAsync(CancellationToken.None);
        return proxy;
    }

    private static List<(string Tenant, double Value)> ProxyTokens(string metrics, string tokenType)
    {
        var result = new List<(string, double)>();
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith("inference_proxy_tokens_total{", StringComparison.Ordinal) && line.Contains($"token_type=\"{tokenType}\"", StringComparison.Ordinal))
            {
                var tenant = line[(line.IndexOf("tenant=\"", StringComparison.Ordinal) + 8)..];
                result.Add((tenant[..tenant.IndexOf('"', StringComparison.Ordinal)], double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        return result;
    }

    private static async Task<bool> HealthyAsync(HttpClient http, string proxyUrl)
    {
        try
        {
            using var response = await http.GetAsync(proxyUrl + "/health"); // passed through to llama-server
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<string?> MetricsAsync(HttpClient http, string collectorUrl)
    {
        try
        {
            return await http.GetStringAsync(collectorUrl + "/metrics");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
