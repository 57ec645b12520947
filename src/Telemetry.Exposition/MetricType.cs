namespace Telemetry.Exposition;

/// <summary>
/// Metric family types the collector exports. Summaries are deliberately absent: their quantiles
/// cannot be aggregated across collectors (prometheus/docs <c>docs/practices/histograms.md</c>).
/// </summary>
public enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}
