using Telemetry.Collector.State;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// The agents' self-protection state, per node: the agent has no /metrics of its own, so it carries
/// its backlog, spool and drop counts in every report and the collector exports the latest. Nodes whose
/// agent never sent them (older agents) have no series rather than a made-up 0.
/// </summary>
internal static class AgentHealthFamilies
{
    public static void Render(ExpositionWriter w, FleetSnapshot s)
    {
        Family(w, s, "inference_agent_reports_dropped", MetricType.Counter,
            "Reports the node's agent dropped because its backlog (memory and spool) was full, since the agent started; their counts are recovered from later cumulative values, only their placement in time is lost.",
            static h => h.ReportsDroppedTotal);
        Family(w, s, "inference_agent_backlog_reports", MetricType.Gauge, "Reports waiting in the agent's memory backlog.", static h => h.BacklogReports);
        Family(w, s, "inference_agent_backlog_bytes", MetricType.Gauge, "Encoded size of the reports waiting in the agent's memory backlog.", static h => h.BacklogBytes);
        Family(w, s, "inference_agent_spool_reports", MetricType.Gauge, "Reports waiting in the agent's disk spool (0 without a spool).", static h => h.SpoolReports);
        Family(w, s, "inference_agent_spool_bytes", MetricType.Gauge, "Size of the agent's disk spool segments.", static h => h.SpoolBytes);
        Family(w, s, "inference_agent_spool_segments_skipped", MetricType.Counter, "Spool segments the agent found damaged (truncated, bad checksum) and skipped past their last intact report, since the agent started.",
            static h => h.SpoolSegmentsSkippedTotal);
    }

    private static void Family(ExpositionWriter w, FleetSnapshot s, string name, MetricType type, string help, Func<AgentHealth, ulong> value)
    {
        w.BeginFamily(name, type, help);
        foreach (var n in s.Nodes)
        {
            if (n.Agent is { } health)
            {
                w.WriteSample(n.Labels, value(health));
            }
        }
    }
}
