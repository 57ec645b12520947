namespace Telemetry.Exposition;

/// <summary>
/// The two text expositions Prometheus scrapes. Chosen per request by <see cref="ContentNegotiation.Choose"/>.
/// </summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (prometheus/docs <c>docs/instrumenting/exposition_formats.md</c>).</summary>
    PrometheusText004,

    /// <summary>OpenMetrics 1.0.0 text (prometheus/docs <c>docs/specs/om/open_metrics_spec.md</c>).</summary>
    OpenMetrics100,
}
