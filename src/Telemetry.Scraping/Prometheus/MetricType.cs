namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// The type a <c># TYPE</c> line declares. <see cref="Unknown"/> means no TYPE line was seen
/// (or OpenMetrics <c>unknown</c>); <see cref="Untyped"/> is the 0.0.4 keyword <c>untyped</c>.
/// </summary>
public enum MetricType
{
    Unknown,
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
    Info,
    StateSet,
    GaugeHistogram,
}
