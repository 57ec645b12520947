using System.Diagnostics.Metrics;
using Telemetry.Collector.State;
using Telemetry.Wire;
using static Telemetry.Collector.Otlp.OtlpTags;

namespace Telemetry.Collector.Otlp;

/// <summary>
/// The agents' self-protection state per node (<c>inference_agent_*</c>, as on /metrics: backlog, spool and drops)
/// as OTLP instruments, so a push-only deployment can alert on an agent that is losing placement of its reports.
/// Nodes whose agent never sent its health have no points, not a made-up 0.
/// </summary>
internal static class AgentInstruments
{
    public static void Register(Meter meter, Func<FleetSnapshot> snapshot)
    {
        meter.CreateObservableCounter("inference_agent_reports_dropped", () => Agents(snapshot(), static h => h.ReportsDroppedTotal), "{report}",
            "Reports the node's agent dropped because its backlog (memory and spool) was full, since the agent started.");
        meter.CreateObservableGauge("inference_agent_backlog_reports", () => Agents(snapshot(), static h => h.BacklogReports), "{report}", "Reports waiting in the agent's memory backlog.");
        meter.CreateObservableGauge("inference_agent_backlog_bytes", () => Agents(snapshot(), static h => h.BacklogBytes), "By", "Encoded size of the reports waiting in the agent's memory backlog.");
        meter.CreateObservableGauge("inference_agent_spool_reports", () => Agents(snapshot(), static h => h.SpoolReports), "{report}", "Reports waiting in the agent's disk spool (0 without a spool).");
        meter.CreateObservableGauge("inference_agent_spool_bytes", () => Agents(snapshot(), static h => h.SpoolBytes), "By", "Size of the agent's disk spool segments.");
        meter.CreateObservableCounter("inference_agent_spool_segments_skipped", () => Agents(snapshot(), static h => h.SpoolSegmentsSkippedTotal), "{segment}",
            "Spool segments the agent found damaged and skipped past their last intact report, since the agent started.");
    }

    private static List<Measurement<double>> Agents(FleetSnapshot s, Func<AgentHealth, ulong> value)
    {
        var list = new List<Measurement<double>>();
        foreach (var n in s.Nodes)
        {
            if (n.Agent is { } health)
            {
                list.Add(new(value(health), Node(n)));
            }
        }

        return list;
    }
}
