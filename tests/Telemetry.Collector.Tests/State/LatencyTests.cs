using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.State;

/// <summary>Latency quantiles from engine histogram deltas, per scope, against hand-computed truth.</summary>
public sealed class LatencyTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration Minute = new("1m", 60);

    /// <summary>Per report: 10 TTFT observations, 2 ≤ 0.1 s, 6 in (0.1, 0.5], 2 in (0.5, 1].</summary>
    private static readonly double[] PerReportByLe = [2, 8, 10];

    private static NodeReport Report(string node, int i, double[] bounds, double[] byLePerReport, double countPerReport, bool contiguous = true)
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
            Metric = "ttft_seconds",
            Count = new Counter { Total = countPerReport * i, Delta = first ? 0 : countPerReport, Epoch = 1 },
            Sum = new Counter { Total = i, Delta = first ? 0 : 1, Epoch = 1 },
        };
        h.UpperBounds.AddRange(bounds);
        h.BucketCounts.AddRange(byLePerReport.Select(c => c * i));
        h.BucketDeltas.AddRange(byLePerReport.Select(c => first ? 0 : c));
        stream.Histograms.Add(h);
        server.Streams.Add(stream);
        r.Servers.Add(server);
        return r;
    }

    private static FleetState Fleet() => new([Minute], new CostModel(new CostOptions()));

    private static FleetSnapshot Snapshot(FleetState fleet) => new SnapshotBuilder(fleet, [Minute], 1e9).Build(T0 + 70_000);

    [Fact]
    public void Server_and_fleet_ttft_quantiles_equal_the_bucket_interpolated_truth()
    {
        var fleet = Fleet();
        for (var i = 0; i <= 70; i++)
        {
            fleet.Apply(Report("n1", i, [0.1, 0.5, 1], PerReportByLe, 10), T0 + (i * 1000));
        }

        var snap = Snapshot(fleet);
        foreach (var kind in new[] { ScopeKind.Server, ScopeKind.Node, ScopeKind.Model, ScopeKind.Tier, ScopeKind.Fleet })
        {
            var h = snap.Kpis.Single(k => k.Scope == kind).Latency.Single();
            Assert.Equal("ttft_seconds", h.Metric);
            // Distribution per 10 observations: 2 in (0, 0.1], 6 in (0.1, 0.5], 2 in (0.5, 1].
            Assert.Equal(0.1 + (0.4 * 3 / 6), h.P50!.Value, 9);
            Assert.Equal(0.5 + (0.5 * 1 / 2), h.P90!.Value, 9);
            Assert.Equal(600, h.Count, 3); // 60 reports × 10 observations
            Assert.Equal(kind == ScopeKind.Tier, h.Counts is not null); // bucket counts are kept for SLO attainment only
            if (h.Counts is { } counts)
            {
                Assert.Equal(0.1 + (0.4 * 3 / 6), HistogramQuantile.Estimate(0.5, h.Bounds, counts)!.Value, 9);
                Assert.Equal(0.0, counts[^1]);
            }
        }
    }

    [Fact]
    public void Sources_with_different_bounds_merge_by_rebinning_onto_the_first_sources_bounds()
    {
        var fleet = Fleet();
        for (var i = 0; i <= 70; i++)
        {
            fleet.Apply(Report("n1", i, [0.1, 0.5, 1], PerReportByLe, 10), T0 + (i * 1000));
            // Node 2 reports the same distribution on coarser bounds: 8 ≤ 0.5, 10 ≤ 1.
            fleet.Apply(Report("n2", i, [0.5, 1], [8, 10], 10), T0 + (i * 1000));
        }

        var fleetView = Snapshot(fleet).Kpis.Single(k => k.Scope == ScopeKind.Fleet).Latency.Single();
        Assert.Equal(3, fleetView.Bounds.Length);
        Assert.Equal(2 * 10 * 60, fleetView.Count, 3); // 60 reports × 10 observations × 2 nodes: nothing lost
        // Node 2's 8 observations in (0, 0.5] spread uniformly: 1.6 land at or below 0.1 and 6.4 in (0.1, 0.5]. Per 20
        // observations: 3.6 at or below 0.1, 12.4 in (0.1, 0.5], 4 above — the median interpolates in (0.1, 0.5].
        Assert.Equal(0.1 + (0.4 * (10 - 3.6) / 12.4), fleetView.P50!.Value, 6); // float slots: ~1e-7 relative
    }

    [Fact]
    public void Lost_reports_are_recovered_from_the_cumulative_buckets()
    {
        var fleet = Fleet();
        for (var i = 0; i <= 70; i++)
        {
            if (i % 7 != 3)
            {
                fleet.Apply(Report("n1", i, [0.1, 0.5, 1], PerReportByLe, 10), T0 + (i * 1000));
            }
        }

        var h = Snapshot(fleet).Kpis.Single(k => k.Scope == ScopeKind.Server).Latency.Single();
        Assert.Equal(0.3, h.P50!.Value, 9);
    }
}
