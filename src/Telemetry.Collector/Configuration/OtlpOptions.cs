namespace Telemetry.Collector.Configuration;

/// <summary>
/// <c>Collector:Otlp</c>: optional OTLP push of the KPIs, raw counters and self-metrics (docs/otlp.md).
/// Off unless <see cref="Endpoint"/> is set; checked by <see cref="OtlpOptionsValidator"/> at start.
/// </summary>
public sealed class OtlpOptions
{
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    /// <summary>Receiver URL. For http/protobuf a URL without a path gets <c>/v1/metrics</c> appended; empty = push off.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary><c>http/protobuf</c> (the OTLP default port 4318) or <c>grpc</c> (4317).</summary>
    public string Protocol { get; set; } = HttpProtobuf;

    /// <summary>Seconds between pushes. 15 s matches a typical Prometheus scrape interval.</summary>
    public double IntervalSeconds { get; set; } = 15;

    /// <summary>
    /// Extra request headers as <c>key=value</c> pairs separated by commas (the OTEL_EXPORTER_OTLP_HEADERS
    /// form), e.g. <c>Authorization=Bearer abc</c>. Secrets: never logged.
    /// </summary>
    public string Headers { get; set; } = "";

    /// <summary>Seconds one push may take before it is abandoned (the SDK's export timeout).</summary>
    public double Timeout { get; set; } = 10;

    /// <summary>
    /// Series one instrument may push (the SDK's cardinality limit; its own default, 2000, is passed by
    /// ~50 nodes' KPI series). Beyond it the SDK folds points into one <c>otel.metric.overflow</c> series.
    /// The SDK reserves room for this many points per instrument up front, so it is also a memory bound.
    /// </summary>
    public int MaxSeriesPerMetric { get; set; } = 50_000;

    public bool Enabled => Endpoint.Length > 0;
}
