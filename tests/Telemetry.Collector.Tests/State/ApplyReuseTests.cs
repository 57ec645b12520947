using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Ingest;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.State;

/// <summary>
/// Applying a report reuses one attribution per thread (lists, dictionaries, histogram increments) and the
/// validator builds no field paths unless a field is wrong: a steady report stream allocates nothing beyond its
/// decoding, and no report sees anything of the one before it.
/// </summary>
public sealed class ApplyReuseTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration Minute = new("1m", 60);

    private static FleetState Fleet() => new([Minute], new CostModel(new CostOptions()));

    [Fact]
    public void A_valid_report_is_validated_without_allocating()
    {
        var report = new RichNode("n", shape: 2).Next();
        Assert.Null(ReportValidator.Validate(report)); // once for the JIT

        var valid = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            valid += ReportValidator.Validate(report) is null ? 1 : 0; // no Assert in the loop: it allocates
        }

        // Building each field's path up front cost ~9 KB per report before (docs/BENCHMARKS.md, issue 8).
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(20, valid);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Applying_reports_in_steady_state_allocates_next_to_nothing()
    {
        var fleet = Fleet();
        var node = new RichNode("n", shape: 2);
        var reports = Enumerable.Range(0, 130).Select(_ => node.Next()).ToArray(); // built outside the measurement
        for (var i = 0; i < 70; i++)
        {
            fleet.Apply(reports[i], reports[i].SentTimeUnixMs); // state, streams and window slots created
        }

        var accepted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 70; i < reports.Length; i++)
        {
            accepted += fleet.Apply(reports[i], reports[i].SentTimeUnixMs) == ApplyOutcome.Accepted ? 1 : 0; // no Assert in the loop: it allocates
        }

        // Before the attribution was reused this report allocated ~20 KB each time; now what remains is the
        // first use of a window slot now and then, well under a hundred bytes per report on average.
        var perReport = (GC.GetAllocatedBytesForCurrentThread() - before) / 60.0;
        Assert.Equal(60, accepted);
        Assert.True(perReport < 100, $"{perReport:N0} bytes allocated per report");
    }

    [Fact]
    public void Reports_of_different_shapes_on_one_thread_attribute_as_if_each_were_alone()
    {
        // Node a's reports alone, and interleaved on the same thread with node b's (more GPUs, servers, streams and
        // histograms): a's scopes must come out identical, to the last bit, so nothing of b's report leaks into a's.
        var alone = Fleet();
        var mixed = Fleet();
        var a1 = new RichNode("a", shape: 1);
        var a2 = new RichNode("a", shape: 1);
        var b = new RichNode("b", shape: 3);
        for (var i = 0; i < 40; i++)
        {
            var ra = a1.Next();
            alone.Apply(ra, ra.SentTimeUnixMs);
            var rb = b.Next();
            mixed.Apply(rb, rb.SentTimeUnixMs);
            var ra2 = a2.Next();
            mixed.Apply(ra2, ra2.SentTimeUnixMs);
        }

        var end = T0 + 39_000 + (SnapshotBuilder.SettleSeconds * 1000);
        var fromAlone = Rows(new SnapshotBuilder(alone, [Minute], staleAfterIntervals: 3).Build(end), "a");
        var fromMixed = Rows(new SnapshotBuilder(mixed, [Minute], staleAfterIntervals: 3).Build(end), "a");
        Assert.Equal(4, fromAlone.Count); // the node and its three servers (one unread), one window
        Assert.Equal(fromAlone, fromMixed);
        Assert.True(fromAlone.Sum(r => r.Histograms) > 0, "node a's scopes have latency observations");
    }

    /// <summary>Node a's node and server rows: energy, tokens, idle energy and each latency quantile, as text to compare exactly.</summary>
    private static List<(string Scope, string Values, int Histograms)> Rows(FleetSnapshot snapshot, string node) =>
        [.. snapshot.Kpis
            .Where(k => k.Scope is ScopeKind.Node or ScopeKind.Server && k.ScopeLabels.Any(l => l is { Key: "node" } && l.Value == node))
            .Select(k => (
                $"{k.Scope} {string.Join(',', k.ScopeLabels.Select(l => l.Key + "=" + l.Value))}",
                $"{k.Sum.EnergyJoules:R} {k.Sum.IdleEnergyJoules:R} {k.Sum.InputTokens:R} {k.Sum.OutputTokens:R} {k.Sum.UtilizationSeconds:R} " +
                    string.Join(' ', k.Latency.Select(l => $"{l.Metric}:{l.Count:R}:{l.P50:R}:{l.P99:R}")),
                k.Latency.Length))
            .OrderBy(r => r.Item1, StringComparer.Ordinal)];

    [Fact]
    public async Task Reports_applied_from_several_threads_at_once_sum_in_the_fleet_wide_scopes_to_what_one_thread_gets()
    {
        // Fleet-wide scopes are locked once per run of consecutive increments (AggregateScopes): four threads
        // applying 40 nodes' reports at once must count what one thread does, and leave no scope locked.
        var nodes = Enumerable.Range(0, 40).Select(n => new RichNode($"n{n}", shape: n % 3)).ToArray();
        var rounds = Enumerable.Range(0, 30).Select(_ => nodes.Select(n => n.Next()).ToArray()).ToArray();
        var sequential = Fleet();
        var parallel = Fleet();
        foreach (var round in rounds)
        {
            foreach (var r in round)
            {
                sequential.Apply(r, r.SentTimeUnixMs);
            }

            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                for (var i = t; i < round.Length; i += 4)
                {
                    parallel.Apply(round[i], round[i].SentTimeUnixMs);
                }
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Array.ForEach(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(30)), "an apply thread did not finish: a scope lock left held?"));
        }

        var end = T0 + 29_000 + (SnapshotBuilder.SettleSeconds * 1000);
        // On another thread, bounded: a lock left held by an apply thread would hang it.
        var built = await Task.Run(() => new SnapshotBuilder(parallel, [Minute], staleAfterIntervals: 3).Build(end)).WaitAsync(TimeSpan.FromSeconds(30));
        var expected = new SnapshotBuilder(sequential, [Minute], staleAfterIntervals: 3).Build(end).Kpis.Where(k => k.Scope is not (ScopeKind.Node or ScopeKind.Server)).ToList();
        var actual = built.Kpis.Where(k => k.Scope is not (ScopeKind.Node or ScopeKind.Server)).ToList();
        Assert.Equal(expected.Select(k => (k.Scope, k.ScopeLabels.Count > 0 ? k.ScopeLabels[0].Value : "")), actual.Select(k => (k.Scope, k.ScopeLabels.Count > 0 ? k.ScopeLabels[0].Value : "")));
        Assert.Contains(expected, k => k.Scope == ScopeKind.Tier);
        Assert.Contains(expected, k => k.Scope == ScopeKind.GpuModel);
        for (var i = 0; i < expected.Count; i++)
        {
            // Summed in another order by the threads: equal within rounding.
            Assert.Equal(expected[i].Sum.EnergyJoules, actual[i].Sum.EnergyJoules, expected[i].Sum.EnergyJoules * 1e-12);
            Assert.Equal(expected[i].Sum.OutputTokens, actual[i].Sum.OutputTokens, expected[i].Sum.OutputTokens * 1e-12);
            Assert.True(expected[i].Sum.OutputTokens > 0, $"{expected[i].Scope} has tokens");
            Assert.Equal(expected[i].Latency.Select(l => (l.Metric, l.Count)), actual[i].Latency.Select(l => (l.Metric, l.Count)));
        }

        Assert.Equal(sequential.LateIncrements, parallel.LateIncrements);
    }

    [Fact]
    public void Streams_with_the_same_bucket_layout_share_one_bounds_array()
    {
        var fleet = Fleet();
        foreach (var node in new[] { new RichNode("a", shape: 1), new RichNode("b", shape: 2) })
        {
            for (var i = 0; i < 3; i++)
            {
                var r = node.Next();
                fleet.Apply(r, r.SentTimeUnixMs);
            }
        }

        var bounds = fleet.Nodes.SelectMany(n => n.Servers.Values).SelectMany(s => s.Streams.Values)
            .SelectMany(st => st.Histograms.Values.Select(h => (h.Metric, Bounds: st.BoundsOf(h)))).ToList();
        Assert.True(bounds.Count >= 10, $"{bounds.Count} stream histograms");
        foreach (var group in bounds.GroupBy(b => b.Metric))
        {
            Assert.Single(group.Select(b => b.Bounds).Distinct()); // by reference: one array per layout
        }

        Assert.NotSame(bounds.First(b => b.Metric == "ttft_seconds").Bounds, bounds.First(b => b.Metric == "e2e_seconds").Bounds);
    }

    [Fact]
    public void Bounds_are_shared_only_when_equal_bit_for_bit()
    {
        double[] zero = [0, 0.5, 1];
        Assert.Same(SharedBounds.Of(zero), SharedBounds.Of([0, 0.5, 1]));
        Assert.NotSame(SharedBounds.Of(zero), SharedBounds.Of([-0.0, 0.5, 1])); // printed as le="-0": another layout
        Assert.NotSame(SharedBounds.Of(zero), SharedBounds.Of([0, 0.5, 1, 2]));
    }
}
