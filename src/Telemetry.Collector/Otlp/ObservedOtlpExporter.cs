using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Telemetry.Collector.Otlp;

/// <summary>
/// The SDK's OTLP metric exporter, counting each push's result and logging a failure once — then
/// nothing more until a push succeeds again (logged too) — so a receiver that is down for a day
/// costs one log line, not one per interval. The SDK itself reports failures only to its EventSource.
/// </summary>
internal sealed class ObservedOtlpExporter(OtlpExporterOptions options, OtlpExportStats stats, ILogger logger, string endpointForLog)
    : OtlpMetricExporter(options)
{
    private int _failing;

    public override ExportResult Export(in Batch<Metric> metrics)
    {
        var result = base.Export(metrics);
        if (result == ExportResult.Success)
        {
            stats.CountSucceeded();
            if (Interlocked.Exchange(ref _failing, 0) == 1)
            {
                logger.LogInformation("OTLP push to {Endpoint} works again", endpointForLog);
            }
        }
        else
        {
            stats.CountFailed();
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                logger.LogWarning(
                    "OTLP push to {Endpoint} failed; retrying every interval without logging again until it succeeds (count: inference_collector_otlp_exports_total{{result=\"failure\"}}; reason: the OpenTelemetry-Exporter-OpenTelemetryProtocol EventSource)",
                    endpointForLog);
            }
        }

        return result;
    }
}
