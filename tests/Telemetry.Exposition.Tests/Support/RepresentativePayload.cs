namespace Telemetry.Exposition.Tests.Support;

/// <summary>
/// The payload behind the golden files and the promtool lint: realistic collector names, counters, gauges (with
/// NaN and ±Inf), histograms with bounds [0.001, 0.5, 10], an empty label set, and label values/help needing escapes.
/// </summary>
internal static class RepresentativePayload
{
    public const string AwkwardModel = "path\\to \"quoted\"\nmodel é 日本";

    private static readonly double[] TimeToFirstTokenBounds = [0.001, 0.5, 10];

    public static void Render(ExpositionWriter writer)
    {
        writer.BeginFamily("inference_tokens", MetricType.Counter, "Tokens processed, by model and kind.");
        writer.WriteSample([new("model", "llama-3.1-8b"), new("kind", "prompt")], 1234567);
        writer.WriteSample([new("model", "llama-3.1-8b"), new("kind", "generation")], 42);
        writer.WriteSample([new("model", AwkwardModel), new("kind", "generation")], 3.5);

        writer.BeginFamily(
            "inference_gpu_energy_joules",
            MetricType.Counter,
            "GPU energy in joules (NVML mJ \\ 1000).\nSecond line with \"quotes\".");
        writer.WriteSample([new("gpu", "0"), new("gpu_uuid", "GPU-8f2c")], 98765.4321);

        writer.BeginFamily("inference_collector_up", MetricType.Gauge, "1 while the collector is running.");
        writer.WriteSample([], 1);

        writer.BeginFamily("inference_tokens_per_joule", MetricType.Gauge, "Rolling tokens per joule; NaN before any energy.");
        writer.WriteSample([new("model", "idle")], double.NaN);
        writer.WriteSample([new("model", "free-energy")], double.PositiveInfinity);
        writer.WriteSample([new("model", "negative")], double.NegativeInfinity);
        writer.WriteSample([new("model", "float-sum")], 0.1 + 0.2);

        writer.BeginFamily(
            "inference_time_to_first_token_seconds",
            MetricType.Histogram,
            "Time from request to first token.");
        writer.WriteHistogram([new("model", "llama-3.1-8b")], TimeToFirstTokenBounds, [1, 5, 9], 10, 27.125);
        writer.WriteHistogram([], TimeToFirstTokenBounds, [0, 0, 0], 0, 0);
        writer.Finish();
    }

    public static byte[] ToArray(ExpositionFormat format, int initialCapacity = 64 * 1024)
    {
        using var writer = new ExpositionWriter(format, initialCapacity);
        Render(writer);
        return writer.WrittenMemory.ToArray();
    }
}
