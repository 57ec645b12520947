using BenchmarkDotNet.Attributes;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Benchmarks;

/// <summary>
/// The collector's two hot paths: applying one node report (8 GPUs, 2 servers with 4 histograms
/// each) and rendering /metrics for a fleet of <see cref="Nodes"/> such nodes.
/// </summary>
[MemoryDiagnoser]
public class CollectorBenchmarks : IDisposable
{
    private CollectorService _service = null!;
    private NodeReport[] _reports = null!;
    private ulong _sequence;

    [Params(100, 1000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _service = new CollectorService(new CollectorOptions());
        _reports = [.. Enumerable.Range(0, Nodes).Select(i => SyntheticReports.Node($"node-{i:D5}"))];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var s = 1; s <= 5; s++)
        {
            foreach (var r in _reports)
            {
                SyntheticReports.Advance(r, (ulong)s, now - ((5 - s) * 1000));
                _service.Ingest(r);
            }
        }

        _sequence = 5;
    }

    [GlobalCleanup]
    public void Cleanup() => _service.Dispose();

    public void Dispose()
    {
        _service.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "apply one 8-GPU report")]
    public void Ingest()
    {
        var r = _reports[0];
        SyntheticReports.Advance(r, ++_sequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _service.Ingest(r);
    }

    [Benchmark(Description = "render /metrics (text 0.0.4)")]
    public long RenderMetrics()
    {
        using var scrape = _service.RenderMetricsAsync(ExpositionFormat.PrometheusText004, default).GetAwaiter().GetResult();
        return scrape.Body.Length;
    }
}
