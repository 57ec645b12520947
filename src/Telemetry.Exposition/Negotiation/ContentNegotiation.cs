namespace Telemetry.Exposition;

/// <summary>
/// Picks the exposition format from a scrape's <c>Accept</c> header and names its Content-Type.
/// OpenMetrics 1.0.0 is served only when asked for explicitly — <c>application/openmetrics-text</c> with
/// <c>version=1.0.0</c> or no version — at a q-value strictly higher than any text it accepts
/// (<c>text/plain</c>, <c>text/*</c>, <c>*/*</c>); everything else, including a missing or malformed header, gets
/// text 0.0.4, the last-resort format (prometheus/docs <c>docs/instrumenting/content_negotiation.md</c>).
/// </summary>
/// <remarks>
/// Other OpenMetrics versions (e.g. 0.0.1) are not served, so they never select OpenMetrics. An <c>escaping=</c>
/// parameter is accepted and ignored: the collector only exports legacy-valid names, for which every escaping
/// scheme is the identity. Always send the returned Content-Type: Prometheus 3 fails scrapes without one
/// (exposition_formats.md, "HTTP Content-Type requirements").
/// </remarks>
public static class ContentNegotiation
{
    public static ExpositionFormat Choose(string? acceptHeader)
    {
        if (string.IsNullOrWhiteSpace(acceptHeader))
        {
            return ExpositionFormat.PrometheusText004;
        }

        return AcceptHeader.TryReadPreferences(acceptHeader, out double openMetricsQuality, out double textQuality)
            && openMetricsQuality > textQuality
                ? ExpositionFormat.OpenMetrics100
                : ExpositionFormat.PrometheusText004;
    }

    public static string ContentType(ExpositionFormat f) => f switch
    {
        // exposition_formats.md "Text-based format"; open_metrics_spec.md "Overall Structure".
        ExpositionFormat.PrometheusText004 => "text/plain; version=0.0.4; charset=utf-8",
        ExpositionFormat.OpenMetrics100 => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown exposition format."),
    };
}
