namespace Telemetry.Exposition;

/// <summary>
/// Metric family types the collector exports. Summaries carry only the collector's own windowed
/// quantiles (<c>inference_kpi_latency_seconds</c>); their quantiles cannot be aggregated across
/// collectors (prometheus/docs <c>docs/practices/histograms.md</c>), so the raw histograms are
/// exported beside them for PromQL.
/// </summary>
public enum MetricType
{
    Counter,
    Gauge,
    Histogram,
    Summary,
}
