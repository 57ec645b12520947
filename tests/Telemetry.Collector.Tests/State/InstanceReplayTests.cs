using Telemetry.Collector.Configuration;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.State;

/// <summary>An agent's disk spool replays an earlier instance's reports, possibly after the next instance's own: nothing counts twice.</summary>
public sealed class InstanceReplayTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration Minute = new("1m", 60);

    private static (FleetState Fleet, SnapshotBuilder Snapshots) New()
    {
        var fleet = new FleetState([Minute], new Telemetry.Collector.Cost.CostModel(new CostOptions()));
        return (fleet, new SnapshotBuilder(fleet, [Minute], staleAfterIntervals: 3));
    }

    /// <summary>Ten reports of one agent instance, one a second from <paramref name="startMs"/>.</summary>
    private static List<NodeReport> Instance(string id, long startMs)
    {
        var reports = new Reports("n1", id);
        return [.. Enumerable.Range(0, 10).Select(i => reports.Next(startMs + (i * 1000), 200, 30, 100))];
    }

    private static KpiView Fleet(SnapshotBuilder s) => s.Build(T0 + 20_000 + (SnapshotBuilder.SettleSeconds * 1000)).Kpis.Single(k => k.Scope == ScopeKind.Fleet);

    [Fact]
    public void An_older_instance_replayed_after_the_newer_one_started_counts_once()
    {
        var (fleet, snapshots) = New();
        var a = Instance("a", T0);
        var b = Instance("b", T0 + 10_000);
        foreach (var r in a[..5].Concat(b[..5]).Concat(a[5..]).Concat(b[5..]))
        {
            Assert.Equal(ApplyOutcome.Accepted, fleet.Apply(r, r.SampleTimeUnixMs));
        }

        // Each instance's first report has zero deltas (it has nothing to compare with): 9 intervals each.
        Assert.Equal(1800, Fleet(snapshots).Sum.OutputTokens, 6);
        Assert.Equal(3600, Fleet(snapshots).Sum.EnergyJoules, 6);
    }

    [Fact]
    public void A_crash_replay_of_an_older_instance_already_applied_is_a_duplicate()
    {
        var (fleet, snapshots) = New();
        var a = Instance("a", T0);
        var b = Instance("b", T0 + 10_000);
        foreach (var r in a.Concat(b[..3]))
        {
            fleet.Apply(r, r.SampleTimeUnixMs);
        }

        foreach (var r in a[4..])
        {
            Assert.Equal(ApplyOutcome.Duplicate, fleet.Apply(r, r.SampleTimeUnixMs + 20_000));
        }

        foreach (var r in b[3..])
        {
            Assert.Equal(ApplyOutcome.Accepted, fleet.Apply(r, r.SampleTimeUnixMs));
        }

        Assert.Equal(ApplyOutcome.Duplicate, fleet.Apply(b[2], T0 + 30_000));
        Assert.Equal(1800, Fleet(snapshots).Sum.OutputTokens, 6);
    }

    [Fact]
    public void The_agents_health_from_its_last_report_reaches_the_snapshot()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        var r = reports.Next(T0, 200, 30, 100);
        r.AgentHealth = new AgentHealth { ReportsDroppedTotal = 7, BacklogReports = 3, SpoolReports = 11 };
        fleet.Apply(r, T0);
        var node = snapshots.Build(T0 + 1000).Nodes.Single();
        Assert.Equal(7UL, node.Agent!.ReportsDroppedTotal);
        Assert.Equal(11UL, node.Agent.SpoolReports);
    }
}
