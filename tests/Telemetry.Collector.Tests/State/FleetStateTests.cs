using Telemetry.Collector.Configuration;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;

namespace Telemetry.Collector.Tests.State;

public sealed class FleetStateTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration TenSeconds = new("10s", 10);

    private static (FleetState Fleet, SnapshotBuilder Snapshots) New()
    {
        var fleet = new FleetState([TenSeconds], new Telemetry.Collector.Cost.CostModel(new CostOptions()));
        return (fleet, new SnapshotBuilder(fleet, [TenSeconds], staleAfterIntervals: 3));
    }

    private static KpiView Kpi(FleetSnapshot s, ScopeKind scope) => s.Kpis.Single(k => k.Scope == scope && k.Window == "10s");

    [Fact]
    public void Reports_in_sequence_fill_server_node_and_fleet_windows()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        for (var i = 0; i <= 20; i++)
        {
            Assert.Equal(ApplyOutcome.Accepted, fleet.Apply(reports.Next(T0 + (i * 1000), 200, 30, 100), T0 + (i * 1000)));
        }

        var snap = snapshots.Build(T0 + 20_000 + (SnapshotBuilder.SettleSeconds * 1000));
        foreach (var scope in new[] { ScopeKind.Server, ScopeKind.Node, ScopeKind.Fleet })
        {
            var k = Kpi(snap, scope);
            Assert.Equal(2000, k.Sum.EnergyJoules, 6);
            Assert.Equal(1000, k.Sum.OutputTokens, 6);
            Assert.Equal(0.5, k.TokensPerJoule(k.Sum.OutputTokens)!.Value, 9);
            Assert.Equal(100, k.TokensPerSecond(k.Sum.OutputTokens)!.Value, 9);
        }
    }

    [Fact]
    public void A_duplicate_report_is_acknowledged_but_not_counted_twice()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        var all = Enumerable.Range(0, 15).Select(i => reports.Next(T0 + (i * 1000), 200, 30, 100)).ToList();
        foreach (var r in all)
        {
            fleet.Apply(r, r.SampleTimeUnixMs);
        }

        Assert.Equal(ApplyOutcome.Duplicate, fleet.Apply(all[10], T0 + 15_000));
        Assert.Equal(ApplyOutcome.Duplicate, fleet.Apply(all[^1], T0 + 15_000));
        var k = Kpi(snapshots.Build(T0 + 14_000 + 2000), ScopeKind.Fleet);
        Assert.Equal(1000, k.Sum.OutputTokens, 6);
    }

    [Fact]
    public void A_shuffled_stream_whose_first_report_is_not_first_counts_what_the_in_order_stream_does()
    {
        var (inOrder, inOrderSnapshots) = New();
        var (shuffled, shuffledSnapshots) = New();
        var reports = new Reports();
        var all = Enumerable.Range(0, 15).Select(i => reports.Next(T0 + (i * 1000), 200, 30, 100)).ToList();
        foreach (var r in all)
        {
            inOrder.Apply(r, r.SampleTimeUnixMs);
        }

        // Report 7 arrives first: reports 1..6 come later and were never counted here (the bug counted them as duplicates).
        int[] order = [6, 2, 0, 9, 1, 5, 3, 4, 8, 7, 12, 10, 11, 14, 13];
        // Received as sent (no clock offset): the reports' send times are their sample times.
        var outcomes = order.Select(i => shuffled.Apply(all[i], all[i].SentTimeUnixMs)).ToList();
        Assert.Equal(ApplyOutcome.Duplicate, shuffled.Apply(all[2], all[2].SentTimeUnixMs)); // an early report twice is still counted once
        Assert.Equal(ApplyOutcome.Duplicate, shuffled.Apply(all[8], all[8].SentTimeUnixMs)); // recovered through report 10's cumulative values

        foreach (var scope in new[] { ScopeKind.Server, ScopeKind.Node })
        {
            var expected = Kpi(inOrderSnapshots.Build(T0 + 14_000 + 2000), scope);
            var actual = Kpi(shuffledSnapshots.Build(T0 + 14_000 + 2000), scope);
            Assert.Equal(1000, expected.Sum.OutputTokens, 6); // the 10-s window at 100 tokens/s
            Assert.Equal(expected.Sum.OutputTokens, actual.Sum.OutputTokens, 6);
            Assert.Equal(expected.Sum.InputTokens, actual.Sum.InputTokens, 6);
            Assert.Equal(expected.Sum.EnergyJoules, actual.Sum.EnergyJoules, 6);
            Assert.Equal(expected.CoveredSeconds, actual.CoveredSeconds);
        }

        Assert.Equal(6, outcomes.Take(7).Count(o => o == ApplyOutcome.Accepted) - 1); // report 7 and the six before it
    }

    [Fact]
    public void An_early_report_does_not_move_the_counters_back()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        var all = Enumerable.Range(0, 10).Select(i => reports.Next(T0 + (i * 1000), 200, 30, 100)).ToList();
        fleet.Apply(all[4], all[4].SentTimeUnixMs);
        Assert.Equal(ApplyOutcome.Accepted, fleet.Apply(all[3], all[3].SentTimeUnixMs)); // early: its own deltas, the state stays at report 5
        foreach (var r in all.Skip(5))
        {
            Assert.Equal(ApplyOutcome.Accepted, fleet.Apply(r, r.SentTimeUnixMs));
        }

        var k = Kpi(snapshots.Build(T0 + 9_000 + 2000), ScopeKind.Server);
        Assert.Equal(700, k.Sum.OutputTokens, 6); // reports 4..10, no cumulative difference back to report 4's older total
        Assert.Equal(1400, k.Sum.EnergyJoules, 6);
    }

    [Fact]
    public void Lost_reports_are_recovered_from_cumulative_values_of_the_next_one()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        for (var i = 0; i < 15; i++)
        {
            var r = reports.Next(T0 + (i * 1000), 200, 30, 100);
            if (i is < 5 or > 8)
            {
                fleet.Apply(r, r.SampleTimeUnixMs); // reports 5..8 never arrive
            }
        }

        var k = Kpi(snapshots.Build(T0 + 14_000 + 2000), ScopeKind.Server);
        Assert.Equal(1000, k.Sum.OutputTokens, 6);
        Assert.Equal(2000, k.Sum.EnergyJoules, 6);
    }

    [Fact]
    public void A_restarted_agent_starts_fresh_without_charging_history_to_the_first_second()
    {
        var (fleet, snapshots) = New();
        var first = new Reports(instance: "old");
        for (var i = 0; i < 5; i++)
        {
            fleet.Apply(first.Next(T0 + (i * 1000), 200, 30, 100), T0 + (i * 1000));
        }

        // The new instance's sequence starts at 1 again; its first report has zero deltas.
        var second = new Reports(instance: "new");
        for (var i = 5; i < 20; i++)
        {
            Assert.Equal(ApplyOutcome.Accepted, fleet.Apply(second.Next(T0 + (i * 1000), 200, 30, 100), T0 + (i * 1000)));
        }

        var k = Kpi(snapshots.Build(T0 + 19_000 + 2000), ScopeKind.Node);
        Assert.Equal(1000, k.Sum.OutputTokens, 6);
    }

    [Fact]
    public void An_agent_clock_five_minutes_behind_is_corrected_from_the_send_time()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        const long Skew = -5 * 60 * 1000;
        for (var i = 0; i <= 20; i++)
        {
            var now = T0 + (i * 1000);
            fleet.Apply(reports.Next(now + Skew, 200, 30, 100, sentMs: now + Skew), now);
        }

        var k = Kpi(snapshots.Build(T0 + 20_000 + 2000), ScopeKind.Fleet);
        Assert.Equal(1000, k.Sum.OutputTokens, 6);
    }

    [Fact]
    public void A_silent_node_turns_stale_and_leaves_the_live_kpis()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        for (var i = 0; i < 5; i++)
        {
            fleet.Apply(reports.Next(T0 + (i * 1000), 200, 30, 100), T0 + (i * 1000));
        }

        var fresh = snapshots.Build(T0 + 5000);
        Assert.True(fresh.Nodes.Single().Up);
        Assert.Contains(fresh.Kpis, k => k.Scope == ScopeKind.Node);

        var stale = snapshots.Build(T0 + 4000 + 3001);
        Assert.False(stale.Nodes.Single().Up);
        Assert.DoesNotContain(stale.Kpis, k => k.Scope is ScopeKind.Node or ScopeKind.Server);
        Assert.Contains(stale.Kpis, k => k.Scope == ScopeKind.Fleet);
    }

    [Fact]
    public void No_energy_gives_no_tokens_per_joule_rather_than_infinity()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        for (var i = 0; i <= 12; i++)
        {
            fleet.Apply(reports.Next(T0 + (i * 1000), 0, 30, 100), T0 + (i * 1000));
        }

        var k = Kpi(snapshots.Build(T0 + 12_000 + 2000), ScopeKind.Server);
        Assert.Null(k.TokensPerJoule(k.Sum.OutputTokens));
        Assert.Equal(100, k.TokensPerSecond(k.Sum.OutputTokens)!.Value, 9);
    }

    [Fact]
    public void A_young_scope_divides_by_the_seconds_it_has_not_by_the_whole_window()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        for (var i = 0; i <= 4; i++)
        {
            fleet.Apply(reports.Next(T0 + (i * 1000), 200, 30, 100), T0 + (i * 1000));
        }

        var k = Kpi(snapshots.Build(T0 + 4000 + 2000), ScopeKind.Server);
        Assert.Equal(4, k.CoveredSeconds);
        Assert.Equal(100, k.TokensPerSecond(k.Sum.OutputTokens)!.Value, 9);
    }

    [Fact]
    public void Tokens_are_placed_over_the_servers_own_scrape_span_not_the_power_samples()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        for (var i = 0; i <= 20; i++)
        {
            var r = reports.Next(T0 + (i * 1000), 200, 30, 100);
            // The scrape of the server lags the power read by 600 ms, every time.
            r.Servers[0].SampleTimeUnixMs = r.SampleTimeUnixMs + 600;
            r.Servers[0].PreviousSampleTimeUnixMs = r.PreviousSampleTimeUnixMs == 0 ? 0 : r.PreviousSampleTimeUnixMs + 600;
            fleet.Apply(r, r.SampleTimeUnixMs);
        }

        var snap = snapshots.Build(T0 + 20_000 + (SnapshotBuilder.SettleSeconds * 1000));
        var k = Kpi(snap, ScopeKind.Server);
        // [10 s, 20 s): tokens 0.4 s of [9.6, 10.6) + ... — still exactly 100 tokens per second of the window.
        Assert.Equal(1000, k.Sum.OutputTokens, 6);
        Assert.Equal(2000, k.Sum.EnergyJoules, 6);
    }

    [Fact]
    public void A_node_silent_for_a_day_is_forgotten_and_starts_fresh_when_it_returns()
    {
        var (fleet, snapshots) = New();
        var reports = new Reports();
        fleet.Apply(reports.Next(T0, 0, 0, 0), T0);
        var dayLater = T0 + (long)SnapshotBuilder.ForgetAfter.TotalMilliseconds + 1000;
        Assert.Empty(snapshots.Build(dayLater).Nodes);

        var back = new Reports(instance: "i2").Next(dayLater, 0, 0, 0);
        Assert.Equal(ApplyOutcome.Accepted, fleet.Apply(back, dayLater));
        Assert.Single(snapshots.Build(dayLater).Nodes);
    }
}
