using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.State;

/// <summary>
/// Ingest keeps no reference into a decoded report (it copies into long-lived state, so reports die
/// young), and neither a snapshot nor a raw histogram read from it is changed by reports applied afterwards.
/// </summary>
public sealed class RetainedStateTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration Minute = new("1m", 60);

    private static NodeReport Report(int i, double[] bounds)
    {
        var r = new NodeReport
        {
            AgentInstanceId = "a",
            Sequence = (ulong)i + 1,
            SampleTimeUnixMs = T0 + (i * 1000),
            PreviousSampleTimeUnixMs = i == 0 ? 0 : T0 + ((i - 1) * 1000),
            SentTimeUnixMs = T0 + (i * 1000),
            Node = "n1",
            Site = "s",
            Pool = "p",
            IntervalSeconds = 1,
        };
        var server = new ServerSample { Name = "srv", Engine = "vllm", Role = "unified", Up = true };
        server.GpuUuids.Add("GPU-1");
        var stream = new StreamSample { Model = "m", OutputTokens = new Counter { Total = i, Delta = 1, Epoch = 1 } };
        var h = new HistogramSample
        {
            Metric = "ttft_seconds",
            Count = new Counter { Total = 10 * i, Delta = 10, Epoch = 1 },
            Sum = new Counter { Total = i, Delta = 1, Epoch = 1 },
        };
        h.UpperBounds.AddRange(bounds);
        h.BucketCounts.AddRange(bounds.Select((_, b) => (double)(i * (b + 1))));
        h.BucketDeltas.AddRange(bounds.Select((_, b) => (double)(b + 1)));
        stream.Histograms.Add(h);
        server.Streams.Add(stream);
        r.Servers.Add(server);
        return r;
    }

    private static RawHistogram RawHistogram(FleetState fleet, long atMs) =>
        new SnapshotBuilder(fleet, [Minute], 1e9).Build(atMs).Nodes.Single().Servers.Single().Streams.Single().Histograms.Read("ttft_seconds")!;

    [Fact]
    public void A_read_histogram_keeps_its_values_while_later_reports_are_applied_and_the_next_read_sees_them()
    {
        var fleet = new FleetState([Minute], new CostModel(new CostOptions()));
        fleet.Apply(Report(1, [0.1, 1]), T0 + 1000);
        var stream = new SnapshotBuilder(fleet, [Minute], 1e9).Build(T0 + 1500).Nodes.Single().Servers.Single().Streams.Single();
        var taken = stream.Histograms.Read("ttft_seconds")!;

        fleet.Apply(Report(2, [0.1, 1]), T0 + 2000);

        Assert.Equal([1.0, 2.0], taken.Counts);
        Assert.Equal(10, taken.Count);
        var later = stream.Histograms.Read("ttft_seconds")!; // read at render time, not when the snapshot was taken
        Assert.Equal([2.0, 4.0], later.Counts);
        Assert.Equal(20, later.Count);
        Assert.Null(stream.Histograms.Read("e2e_seconds"));
    }

    [Fact]
    public void A_render_buffer_too_short_for_the_buckets_is_grown()
    {
        var fleet = new FleetState([Minute], new CostModel(new CostOptions()));
        fleet.Apply(Report(3, [0.1, 0.2, 0.5, 1]), T0 + 1000);
        var stream = new SnapshotBuilder(fleet, [Minute], 1e9).Build(T0 + 1500).Nodes.Single().Servers.Single().Streams.Single();
        var counts = new double[1];

        Assert.True(stream.Histograms.TryRead("ttft_seconds", ref counts, out var bounds, out var length, out var count, out var sum));

        Assert.Equal(4, length);
        Assert.Equal([3.0, 6.0, 9.0, 12.0], counts[..length]);
        Assert.Equal([0.1, 0.2, 0.5, 1.0], bounds);
        Assert.Equal((30.0, 3.0), (count, sum));
    }

    [Fact]
    public void Changing_an_applied_report_afterwards_changes_nothing_in_the_state()
    {
        var fleet = new FleetState([Minute], new CostModel(new CostOptions()));
        foreach (var i in new[] { 1, 2 }) // the first report creates the state's copy, the second updates it in place
        {
            var report = Report(i, [0.1, 1]);
            fleet.Apply(report, T0 + (i * 1000));
            var h = report.Servers[0].Streams[0].Histograms[0];
            h.BucketCounts[0] = 999;
            h.Count.Total = 999;
            h.UpperBounds[0] = 0.5;
            report.Servers[0].Engine = "changed";
            report.Servers[0].GpuUuids[0] = "GPU-changed";
        }

        var snapshot = new SnapshotBuilder(fleet, [Minute], 1e9).Build(T0 + 2500);
        var server = snapshot.Nodes.Single().Servers.Single();
        var raw = server.Streams.Single().Histograms.Read("ttft_seconds")!;
        Assert.Equal([2.0, 4.0], raw.Counts);
        Assert.Equal(20, raw.Count);
        Assert.Equal([0.1, 1.0], raw.Bounds);
        Assert.Equal("vllm", server.Engine);
        Assert.Equal(["GPU-1"], server.GpuUuids);
    }

    [Fact]
    public void New_bounds_replace_the_old_ones_in_the_state_copy()
    {
        var fleet = new FleetState([Minute], new CostModel(new CostOptions()));
        fleet.Apply(Report(1, [0.1, 1]), T0 + 1000);
        fleet.Apply(Report(2, [0.1, 0.5, 1]), T0 + 2000);

        var raw = RawHistogram(fleet, T0 + 2500);
        Assert.Equal([0.1, 0.5, 1.0], raw.Bounds);
        Assert.Equal([2.0, 4.0, 6.0], raw.Counts);
    }
}
