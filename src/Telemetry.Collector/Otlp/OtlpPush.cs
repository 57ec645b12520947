using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;

namespace Telemetry.Collector.Otlp;

/// <summary>
/// Optional OTLP push (<c>Collector:Otlp</c>, docs/otlp.md): a <see cref="Meter"/> whose observable
/// instruments read the collector's latest snapshot, exported by the OpenTelemetry SDK's periodic
/// reader with cumulative temporality. Disposing stops the push (with a final flush) and the meter.
/// </summary>
public sealed class OtlpPush : IDisposable
{
    /// <summary>The instrumentation scope name receivers see.</summary>
    public const string MeterName = "Telemetry.Collector";

    /// <summary>
    /// All callbacks of one push run within milliseconds; a snapshot younger than this is reused, so a
    /// push builds at most one (and none right after a /metrics scrape built one).
    /// </summary>
    private static readonly TimeSpan SnapshotReuse = TimeSpan.FromSeconds(1);

    private readonly MeterProvider _provider;
    private readonly Meter _meter;
    private readonly CollectorService _service;

    private OtlpPush(MeterProvider provider, Meter meter, CollectorService service)
    {
        _provider = provider;
        _meter = meter;
        _service = service;
    }

    /// <summary>Starts pushing when <c>Collector:Otlp:Endpoint</c> is set; null (and nothing running) otherwise.</summary>
    public static OtlpPush? Start(CollectorService service, ILogger logger)
    {
        var o = service.Options.Otlp;
        if (!o.Enabled)
        {
            return null;
        }

        var endpoint = ResolveEndpoint(o);
        var exporterOptions = new OtlpExporterOptions
        {
            Endpoint = endpoint,
            Protocol = o.Protocol == OtlpOptions.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf,
            Headers = o.Headers.Length > 0 ? o.Headers : null,
            TimeoutMilliseconds = (int)Math.Ceiling(o.Timeout * 1000),
        };

        var meter = new Meter(MeterName, typeof(OtlpPush).Assembly.GetName().Version?.ToString(3));
        State.FleetSnapshot Snapshot() => service.RecentSnapshot(SnapshotReuse);
        KpiInstruments.Register(meter, Snapshot, service.TierPrices, service.TtftSlos);
        RawInstruments.Register(meter, Snapshot);
        AgentInstruments.Register(meter, Snapshot);
        SelfInstruments.Register(meter, service, Snapshot);

        var log = endpoint.GetLeftPart(UriPartial.Path);
        var exporter = new ObservedOtlpExporter(exporterOptions, service.ExportStats, logger, log);
        var reader = new PeriodicExportingMetricReader(exporter, (int)(o.IntervalSeconds * 1000), exporterOptions.TimeoutMilliseconds)
        {
            TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
        };
        var provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.Clear().AddService("telemetry-collector", serviceVersion: meter.Version))
            .AddMeter(MeterName)
            .AddView(instrument => instrument.Name == SelfInstruments.IngestDurationName
                ? new ExplicitBucketHistogramConfiguration { Boundaries = Ingest.IngestStats.LatencyBoundsSeconds, CardinalityLimit = o.MaxSeriesPerMetric }
                : new MetricStreamConfiguration { CardinalityLimit = o.MaxSeriesPerMetric })
            .AddReader(reader)
            .Build();

        // Headers are deliberately absent from this line: they carry credentials.
        logger.LogInformation("OTLP push to {Endpoint} ({Protocol}) every {Interval} s", log, o.Protocol, o.IntervalSeconds);
        return new OtlpPush(provider, meter, service);
    }

    /// <summary>
    /// The SDK uses an explicitly set HTTP endpoint as the full URL; a bare <c>http://host:4318</c> is
    /// completed with the OTLP/HTTP metrics path, as OTEL_EXPORTER_OTLP_ENDPOINT would be.
    /// </summary>
    internal static Uri ResolveEndpoint(OtlpOptions o)
    {
        var uri = new Uri(o.Endpoint);
        return o.Protocol == OtlpOptions.HttpProtobuf && uri.AbsolutePath == "/" ? new Uri(uri, "v1/metrics") : uri;
    }

    /// <summary>Collects and pushes now (tests, shutdown); true when the push succeeded.</summary>
    public bool Flush(TimeSpan timeout) => _provider.ForceFlush((int)timeout.TotalMilliseconds);

    public void Dispose()
    {
        _service.Stats.LatencyObserved = null;
        _provider.Dispose();
        _meter.Dispose();
    }
}
