using BenchmarkDotNet.Attributes;
using Telemetry.Scraping.Engines;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Benchmarks;

/// <summary>The agent's per-interval scrape work: parse a real vLLM V1 payload and map it to a reading.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private byte[] _payload = [];

    [GlobalSetup]
    public void Setup()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Telemetry.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        }

        _payload = File.ReadAllBytes(Path.Combine(dir, "..", "shared", "fixtures", "vllm-v1-dynamo-qwen3-0.6b-excerpt.prom"));
    }

    [Benchmark(Description = "parse vLLM /metrics (30 KB)")]
    public int Parse()
    {
        return PrometheusTextParser.TryParse(_payload, out var payload, out var error) ? payload.SampleCount : throw new InvalidOperationException(error.ToString());
    }

    [Benchmark(Description = "parse + vLLM profile")]
    public int ParseAndRead()
    {
        return PrometheusTextParser.TryParse(_payload, out var payload, out var error)
            ? new VllmProfile().Read(payload, "http://bench/metrics", null).Streams.Count
            : throw new InvalidOperationException(error.ToString());
    }
}
