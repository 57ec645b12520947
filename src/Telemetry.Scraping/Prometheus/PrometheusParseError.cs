namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// Why a payload was rejected: the 1-based line (0 for the payload as a whole) and a reason in plain words.
/// </summary>
public sealed record PrometheusParseError(int Line, string Reason)
{
    public override string ToString() => Line > 0 ? $"line {Line}: {Reason}" : Reason;
}
