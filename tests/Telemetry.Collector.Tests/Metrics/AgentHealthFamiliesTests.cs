using System.Text;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.State;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Metrics;

/// <summary>The agents' health from their reports, exported per node; nodes that never sent it have no series.</summary>
public sealed class AgentHealthFamiliesTests
{
    private const long T0 = 1_700_000_000_000;

    private static string Render(params NodeReport[] reports)
    {
        var windows = new[] { new WindowDuration("10s", 10) };
        var fleet = new FleetState(windows, new CostModel(new CostOptions()));
        foreach (var r in reports)
        {
            fleet.Apply(r, r.SampleTimeUnixMs);
        }

        var w = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        AgentHealthFamilies.Render(w, new SnapshotBuilder(fleet, windows, 3).Build(T0 + 3000));
        w.Finish();
        return Encoding.UTF8.GetString(w.WrittenMemory.Span);
    }

    private static NodeReport Report(string node, ulong sequence, AgentHealth? health) => new()
    {
        AgentInstanceId = "i-" + node,
        Sequence = sequence,
        SampleTimeUnixMs = T0 + ((long)sequence * 1000),
        SentTimeUnixMs = T0 + ((long)sequence * 1000),
        Node = node,
        Site = "s",
        Pool = "p",
        IntervalSeconds = 1,
        AgentHealth = health,
    };

    [Fact]
    public void The_latest_health_of_each_node_is_exported_and_nodes_without_it_are_left_out()
    {
        var text = Render(
            Report("n1", 1, new AgentHealth { ReportsDroppedTotal = 3, BacklogReports = 40, BacklogBytes = 120_000, SpoolReports = 900, SpoolBytes = 2_700_000, SpoolSegmentsSkippedTotal = 1 }),
            Report("n1", 2, new AgentHealth { ReportsDroppedTotal = 5, BacklogReports = 2, BacklogBytes = 6000 }),
            Report("old", 1, null));

        Assert.Contains("# TYPE inference_agent_reports_dropped_total counter", text, StringComparison.Ordinal);
        Assert.Contains("inference_agent_reports_dropped_total{node=\"n1\",site=\"s\",pool=\"p\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_agent_backlog_reports{node=\"n1\",site=\"s\",pool=\"p\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_agent_backlog_bytes{node=\"n1\",site=\"s\",pool=\"p\"} 6000\n", text, StringComparison.Ordinal);
        Assert.Contains("inference_agent_spool_reports{node=\"n1\",site=\"s\",pool=\"p\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE inference_agent_spool_segments_skipped_total counter", text, StringComparison.Ordinal);
        Assert.DoesNotContain("node=\"old\"", text, StringComparison.Ordinal);
    }
}
