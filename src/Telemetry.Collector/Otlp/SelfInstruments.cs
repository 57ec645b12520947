using System.Diagnostics.Metrics;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Ingest;
using Telemetry.Collector.State;
using static Telemetry.Collector.Otlp.OtlpTags;

namespace Telemetry.Collector.Otlp;

/// <summary>
/// The collector's own health (<c>inference_collector_*</c>) as OTLP instruments, read from the
/// same counters /metrics renders. Ingest latency is a real histogram, fed per report through
/// <see cref="IngestStats.LatencyObserved"/> with the /metrics bucket bounds.
/// </summary>
internal static class SelfInstruments
{
    public const string IngestDurationName = "inference_collector_ingest_duration_seconds";

    public static void Register(Meter meter, CollectorService service, Func<FleetSnapshot> snapshot)
    {
        var stats = service.Stats;
        meter.CreateObservableCounter("inference_collector_reports_received", () => stats.Received, "{report}", "Reports posted to /v1/reports, whatever became of them.");
        meter.CreateObservableCounter("inference_collector_reports_accepted", () => stats.Accepted, "{report}", "Reports applied.");
        meter.CreateObservableCounter("inference_collector_reports_duplicate", () => stats.Duplicates, "{report}", "Reports acknowledged but not applied again.");
        meter.CreateObservableCounter("inference_collector_reports_rejected", Rejected(stats), "{report}", "Reports refused, by reason.");
        meter.CreateObservableCounter("inference_collector_late_increments", () => service.LateIncrements, "{increment}", "Increments older than the longest window.");
        meter.CreateObservableCounter("inference_collector_otlp_exports", () => new Measurement<long>[]
        {
            new(service.ExportStats.Succeeded, Tag("result", "success")),
            new(service.ExportStats.Failed, Tag("result", "failure")),
        }, "{export}", "OTLP pushes by result.");

        meter.CreateObservableGauge("inference_collector_nodes", () =>
        {
            var nodes = snapshot().Nodes;
            var up = nodes.Count(n => n.Up);
            return new Measurement<long>[] { new(up, Tag("state", "up")), new(nodes.Count - up, Tag("state", "stale")) };
        }, "{node}", "Nodes known to the collector, by state.");

        // Render figures exist only after a /metrics scrape, as on /metrics itself.
        meter.CreateObservableGauge("inference_collector_series", () => Render(service, r => r.Series), "{series}", "Sample lines in the previous /metrics render.");
        meter.CreateObservableGauge("inference_collector_render_duration_seconds", () => Render(service, r => r.Seconds), "s", "Time the previous /metrics render took.");
        meter.CreateObservableGauge("inference_collector_render_bytes", () => Render(service, r => r.Bytes), "By", "Size of the previous /metrics body.");

        var latency = meter.CreateHistogram(IngestDurationName, "s", "Time to decode, check and apply one report.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = IngestStats.LatencyBoundsSeconds });
        stats.LatencyObserved = latency.Record;
    }

    private static Func<IEnumerable<Measurement<long>>> Rejected(IngestStats stats)
    {
        var reasons = Enum.GetValues<RejectReason>();
        return () =>
        {
            var list = new Measurement<long>[reasons.Length];
            for (var i = 0; i < reasons.Length; i++)
            {
                list[i] = new(stats.Rejected(reasons[i]), Tag("reason", RejectReasonNames.LabelOf(reasons[i])));
            }

            return list;
        };
    }

    private static Measurement<double>[] Render(CollectorService service, Func<Metrics.RenderStats, double> value) =>
        service.LastRender is { Series: > 0 } r ? [new(value(r))] : [];
}
