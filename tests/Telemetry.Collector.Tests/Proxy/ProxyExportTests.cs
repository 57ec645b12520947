using System.Text;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Exposition;
using Telemetry.Wire;
using Telemetry.Wire.Sketches;
using Xunit;

namespace Telemetry.Collector.Tests.Proxy;

/// <summary>Proxy streams from two nodes through the collector: raw counters, merged sketch quantiles, per-tenant and per-tier KPIs.</summary>
public sealed class ProxyExportTests
{
    private sealed class Clock(long ms) : TimeProvider
    {
        public long Ms { get; set; } = ms;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Ms);
    }

    private const long T0 = 1_700_000_000_000;

    private static NodeReport Report(string node, ulong sequence, long sampleMs, params ProxyStreamSample[] streams)
    {
        var report = new NodeReport
        {
            AgentInstanceId = node + "-i",
            Sequence = sequence,
            SampleTimeUnixMs = sampleMs,
            PreviousSampleTimeUnixMs = sequence == 1 ? 0 : sampleMs - 1000,
            SentTimeUnixMs = T0 + 5000, // sent as received: no clock offset
            Node = node,
            Site = "s1",
            Pool = "p1",
            IntervalSeconds = 1,
        };
        var server = new ServerSample { Name = "llama", Engine = "llamacpp", Role = "unified", Up = true, EnergyJoules = new Counter { Epoch = 1 } };
        server.Streams.Add(new StreamSample { Model = "m", InputTokens = new Counter { Total = 1, Epoch = 1 }, OutputTokens = new Counter { Total = 1, Epoch = 1 } });
        server.ProxyStreams.AddRange(streams);
        report.Servers.Add(server);
        return report;
    }

    private static ProxyStreamSample Stream(string tenant, string tier, double inTotal, double inDelta, double outTotal, double outDelta, double userSeconds, double[] e2e)
    {
        var sketch = new LogSketch();
        foreach (var v in e2e)
        {
            sketch.Add(v);
        }

        var s = new ProxyStreamSample
        {
            Model = "m",
            Tenant = tenant,
            Tier = tier,
            InputTokens = new Counter { Total = inTotal, Delta = inDelta, Epoch = 1 },
            OutputTokens = new Counter { Total = outTotal, Delta = outDelta, Epoch = 1 },
            UserSeconds = new Counter { Total = userSeconds, Delta = userSeconds, Epoch = 1 },
            EstimatedRequests = new Counter { Epoch = 1 },
        };
        s.Requests.Add(new OutcomeCounter { Outcome = "success", Count = new Counter { Total = e2e.Length, Delta = e2e.Length, Epoch = 1 } });
        s.Sketches.Add(sketch.ToSample("e2e_seconds"));
        return s;
    }

    [Fact]
    public async Task Tenants_and_tiers_appear_on_metrics_and_in_the_kpi_json_with_sketches_merged_across_nodes()
    {
        var clock = new Clock(T0 + 5000);
        var options = new CollectorOptions { Windows = ["1m"] };
        options.Tiers.Add(new TierOptions { Name = "premium", PricePerMillionTokensUsd = 10 });
        using var service = new CollectorService(options, clock);

        Assert.Null(service.Ingest(Report("n1", 1, T0 + 1000, Stream("acme", "premium", 100, 100, 40, 40, 60, [.. Enumerable.Repeat(0.1, 50)]))).Error);
        Assert.Null(service.Ingest(Report("n2", 1, T0 + 1000)).Error);
        Assert.Null(service.Ingest(Report("n2", 2, T0 + 2000, Stream("acme", "premium", 50, 50, 20, 20, 30, [.. Enumerable.Repeat(0.4, 50)]))).Error);
        Assert.Null(service.Ingest(Report("n2", 2, T0 + 2000, Stream("acme", "premium", 50, 50, 20, 20, 30, [.. Enumerable.Repeat(0.4, 50)]))).Error); // duplicate: ignored

        using var scrape = await service.RenderMetricsAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);
        var text = Encoding.UTF8.GetString(scrape.Body);
        Assert.Contains("inference_proxy_tokens_total{node=\"n1\",site=\"s1\",pool=\"p1\",server=\"llama\",model=\"m\",tenant=\"acme\",tier=\"premium\",token_type=\"input\"} 100", text, StringComparison.Ordinal);
        Assert.Contains("inference_kpi_proxy_tokens_per_second{window=\"1m\",scope=\"request_tier\",tier=\"premium\",token_type=\"output\"}", text, StringComparison.Ordinal);
        // 210 tokens over 90 user-seconds = 8400 tokens per user-hour.
        Assert.Contains("inference_kpi_tokens_per_user_hour{window=\"1m\",scope=\"tenant\",tenant=\"acme\",tier=\"premium\",token_type=\"total\"} 8400", text, StringComparison.Ordinal);
        Assert.Contains("inference_kpi_proxy_revenue_usd{window=\"1m\",scope=\"tenant\",tenant=\"acme\",tier=\"premium\"} 0.0021", text, StringComparison.Ordinal);
        // Sketch quantiles are a summary (a gauge with a quantile label fails promtool check metrics), with the window's request count.
        Assert.Contains("# TYPE inference_kpi_proxy_latency_seconds summary\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_kpi_proxy_latency_seconds_count{window=\"1m\",scope=\"tenant\",tenant=\"acme\",tier=\"premium\",metric=\"e2e\"} 100\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_kpi_proxy_latency_seconds{window=\"1m\",scope=\"tenant\",tenant=\"acme\",tier=\"premium\",metric=\"e2e\",quantile=\"0.99\"}", text, StringComparison.Ordinal);

        var doc = service.Kpis("tenant", "1m");
        Assert.Empty(doc.Kpis);
        var row = Assert.Single(doc.Proxy!);
        Assert.Equal((150.0, 60.0), (row.InputTokens, row.OutputTokens));
        var e2e = row.LatencySeconds["e2e"];
        Assert.Equal(100, e2e.Count);
        Assert.InRange(e2e.P50!.Value, 0.1 * 0.99, 0.1 * 1.01); // rank 49 of 100: n1's requests
        Assert.InRange(e2e.P90!.Value, 0.4 * 0.99, 0.4 * 1.01); // rank 89: n2's
    }
}
