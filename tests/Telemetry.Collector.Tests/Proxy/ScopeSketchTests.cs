using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.Proxy;
using Telemetry.Collector.State;
using Telemetry.Collector.Windows;
using Telemetry.Wire;
using Telemetry.Wire.Sketches;
using Xunit;

namespace Telemetry.Collector.Tests.Proxy;

/// <summary>
/// Wider scopes' latency from the proxies' sketches merged across nodes, through the real fleet state, proxy ledger
/// and snapshot builder: within 1% of the exact quantiles when every server has a sketch, engine buckets (and a
/// <c>buckets_mixed</c> source) as soon as one server that had observations has none.
/// </summary>
public sealed class ScopeSketchTests
{
    private const long T0 = 1_700_000_000_000;
    private const long NowMs = T0 + 70_000;
    private static readonly WindowDuration Minute = new("1m", 60);
    private static readonly ScopeKind[] WideScopes = [ScopeKind.Fleet, ScopeKind.Site, ScopeKind.Pool, ScopeKind.Model, ScopeKind.Tier];

    /// <summary>Proxy requests are reported only in these seconds, well inside both the engine and the proxy windows.</summary>
    private const int FirstProxyReport = 20, LastProxyReport = 60;

    private sealed class Rig
    {
        public FleetState Fleet { get; } = new([Minute], new CostModel(new CostOptions()));

        public ProxyLedgerState Proxy { get; } = new([Minute]);

        /// <summary>Every e2e latency the proxies measured, the exact truth.</summary>
        public List<double> Measured { get; } = [];

        public void Apply(NodeReport report)
        {
            Fleet.Apply(report, (long)report.SentTimeUnixMs);
            Proxy.Apply(report, 0);
        }

        public FleetSnapshot Snapshot()
        {
            var fleet = new SnapshotBuilder(Fleet, [Minute], 1e9).Build(NowMs);
            return SketchPreference.Apply(fleet, Proxy.Snapshot(NowMs, fleet), new HashSet<string>(StringComparer.Ordinal) { "1m" });
        }
    }

    /// <summary>
    /// One second of node <paramref name="node"/>: 10 requests on an engine with vLLM-like e2e buckets (nothing resolved
    /// below 0.3 s), or only TTFT ones when <paramref name="engineE2e"/> is false; with a proxy, the same requests'
    /// e2e latencies log-normally around <paramref name="medianSeconds"/> in its sketch.
    /// </summary>
    private static NodeReport Report(Rig rig, Random random, string node, int i, bool proxy, double medianSeconds, bool engineE2e = true)
    {
        var first = i == 0;
        var r = new NodeReport
        {
            AgentInstanceId = node,
            Sequence = (ulong)i + 1,
            SampleTimeUnixMs = T0 + (i * 1000),
            PreviousSampleTimeUnixMs = first ? 0 : T0 + ((i - 1) * 1000),
            SentTimeUnixMs = T0 + (i * 1000),
            Node = node,
            Site = "s",
            Pool = "p",
            IntervalSeconds = 1,
        };
        var server = new ServerSample { Name = "srv", Engine = "vllm", Role = "unified", Tier = "gold", Up = true };
        var stream = new StreamSample { Model = "m", OutputTokens = new Counter { Total = i, Delta = first ? 0 : 1, Epoch = 1 } };
        var h = new HistogramSample
        {
            Metric = engineE2e ? "e2e_seconds" : "ttft_seconds",
            Count = new Counter { Total = 10 * i, Delta = first ? 0 : 10, Epoch = 1 },
            Sum = new Counter { Total = i, Delta = first ? 0 : 1, Epoch = 1 },
        };
        h.UpperBounds.AddRange([0.3, 1]);
        h.BucketCounts.AddRange([10 * i, 10 * i]);
        h.BucketDeltas.AddRange([first ? 0 : 10, first ? 0 : 10]);
        stream.Histograms.Add(h);
        server.Streams.Add(stream);
        if (proxy && i >= FirstProxyReport && i <= LastProxyReport)
        {
            var sketch = new LogSketch();
            for (var k = 0; k < 10; k++)
            {
                var v = medianSeconds * Math.Exp(random.NextDouble() * 2 - 1);
                sketch.Add(v);
                rig.Measured.Add(v);
            }

            var p = new ProxyStreamSample { Model = "m", Tenant = "t", Tier = "gold" };
            p.Sketches.Add(sketch.ToSample("e2e_seconds"));
            server.ProxyStreams.Add(p);
        }

        r.Servers.Add(server);
        return r;
    }

    private static LatencyView E2e(FleetSnapshot snap, ScopeKind kind, string? node = null) =>
        snap.Kpis.Single(k => k.Scope == kind && (node is null || k.ScopeLabels.Any(l => l.Key == "node" && l.Value == node)))
            .Latency.Single(l => l.Metric == "e2e_seconds");

    private static void AssertWithinOnePercent(List<double> measured, LatencyView view, string what)
    {
        var sorted = measured.Order().ToArray();
        foreach (var (q, estimate) in new[] { (0.5, view.P50), (0.9, view.P90), (0.95, view.P95), (0.99, view.P99) })
        {
            var exact = sorted[(int)Math.Floor(q * (sorted.Length - 1))];
            Assert.True(Math.Abs(estimate!.Value - exact) <= 0.01 * exact, $"{what} q={q}: {estimate} vs exact {exact}");
        }
    }

    [Fact]
    public void Fleet_site_pool_model_and_tier_quantiles_merge_the_sketches_of_all_nodes_within_one_percent()
    {
        var rig = new Rig();
        var random = new Random(7);
        for (var i = 0; i <= 70; i++)
        {
            rig.Apply(Report(rig, random, "n1", i, proxy: true, medianSeconds: 0.02));
            rig.Apply(Report(rig, random, "n2", i, proxy: true, medianSeconds: 0.2));
        }

        var snap = rig.Snapshot();

        Assert.Equal(820, rig.Measured.Count); // 41 seconds × 10 requests × 2 nodes
        foreach (var kind in WideScopes)
        {
            var view = E2e(snap, kind);
            Assert.Equal(LatencySource.Sketch, view.Source);
            Assert.Equal(rig.Measured.Count, view.Count, 6);
            AssertWithinOnePercent(rig.Measured, view, kind.ToString());
        }

        // Each node keeps its own sketch: n1's median is near 20 ms, where the engine buckets cannot resolve anything.
        Assert.InRange(E2e(snap, ScopeKind.Node, "n1").P50!.Value, 0.02 * 0.6, 0.02 * 1.6);
        Assert.InRange(E2e(snap, ScopeKind.Server, "n2").P50!.Value, 0.2 * 0.6, 0.2 * 1.6);
        var json = KpiJson.Build(snap, "fleet", "1m", new Dictionary<string, double>(), new Dictionary<string, double>());
        Assert.Equal("sketch", Assert.Single(json.Kpis).LatencySeconds!["e2e"].Source);
    }

    [Fact]
    public void A_server_with_engine_observations_but_no_sketch_sends_wider_scopes_back_to_engine_buckets_and_says_so()
    {
        var rig = new Rig();
        var random = new Random(7);
        for (var i = 0; i <= 70; i++)
        {
            rig.Apply(Report(rig, random, "n1", i, proxy: true, medianSeconds: 0.02));
            rig.Apply(Report(rig, random, "n3", i, proxy: false, medianSeconds: 0.2));
        }

        var snap = rig.Snapshot();
        var engineOnly = new SnapshotBuilder(rig.Fleet, [Minute], 1e9).Build(NowMs);

        foreach (var kind in WideScopes)
        {
            var view = E2e(snap, kind);
            Assert.Equal(LatencySource.BucketsMixed, view.Source);
            Assert.Equal(E2e(engineOnly, kind).P50, view.P50); // the engine buckets, untouched
            Assert.Equal(1200, view.Count, 6); // 60 seconds × 10 requests × 2 nodes: the engines' count, not the sketch's
        }

        Assert.Equal(LatencySource.Sketch, E2e(snap, ScopeKind.Server, "n1").Source);
        Assert.Equal(LatencySource.Buckets, E2e(snap, ScopeKind.Server, "n3").Source);
        var json = KpiJson.Build(snap, "pool", "1m", new Dictionary<string, double>(), new Dictionary<string, double>());
        Assert.Equal("buckets_mixed", Assert.Single(json.Kpis).LatencySeconds!["e2e"].Source);

        // On /metrics the source is written where it is not plain buckets: n3's own rows say nothing.
        using var writer = new Telemetry.Exposition.ExpositionWriter(Telemetry.Exposition.ExpositionFormat.PrometheusText004);
        Telemetry.Collector.Metrics.KpiFamilies.Render(writer, snap, new Dictionary<string, double>(), new Dictionary<string, double>());
        var sources = System.Text.Encoding.UTF8.GetString(writer.WrittenMemory.Span).Split('\n')
            .Where(l => l.StartsWith("inference_kpi_latency_source_info{", StringComparison.Ordinal)).ToList();
        Assert.Contains(sources, l => l.Contains("scope=\"pool\"", StringComparison.Ordinal) && l.Contains("metric=\"e2e\",source=\"buckets_mixed\"", StringComparison.Ordinal));
        Assert.Contains(sources, l => l.Contains("server=\"", StringComparison.Ordinal) && l.Contains("source=\"sketch\"", StringComparison.Ordinal));
        Assert.DoesNotContain(sources, l => l.Contains("source=\"buckets\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_server_without_observations_of_that_metric_does_not_block_the_merge()
    {
        var rig = new Rig();
        var random = new Random(7);
        for (var i = 0; i <= 70; i++)
        {
            rig.Apply(Report(rig, random, "n1", i, proxy: true, medianSeconds: 0.02));
            rig.Apply(Report(rig, random, "n2", i, proxy: true, medianSeconds: 0.2));
            rig.Apply(Report(rig, random, "n3", i, proxy: false, medianSeconds: 0, engineE2e: false)); // TTFT buckets only
        }

        var snap = rig.Snapshot();

        var fleet = E2e(snap, ScopeKind.Fleet);
        Assert.Equal(LatencySource.Sketch, fleet.Source);
        AssertWithinOnePercent(rig.Measured, fleet, "fleet");
        var ttft = snap.Kpis.Single(k => k.Scope == ScopeKind.Fleet).Latency.Single(l => l.Metric == "ttft_seconds");
        Assert.Equal(LatencySource.Buckets, ttft.Source); // no proxy measured TTFT: n3's engine buckets alone
    }
}
