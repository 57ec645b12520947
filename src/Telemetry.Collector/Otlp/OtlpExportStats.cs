namespace Telemetry.Collector.Otlp;

/// <summary>Counts of OTLP pushes by result (<c>inference_collector_otlp_exports_total{result}</c>), lock-free.</summary>
public sealed class OtlpExportStats
{
    private long _succeeded;
    private long _failed;

    public long Succeeded => Interlocked.Read(ref _succeeded);
    public long Failed => Interlocked.Read(ref _failed);

    public void CountSucceeded() => Interlocked.Increment(ref _succeeded);

    public void CountFailed() => Interlocked.Increment(ref _failed);
}
