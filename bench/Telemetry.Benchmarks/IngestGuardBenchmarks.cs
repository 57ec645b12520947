using BenchmarkDotNet.Attributes;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Ingest;
using Telemetry.Collector.Security;

namespace Telemetry.Benchmarks;

/// <summary>
/// What the security checks add to each request (docs/security.md): the per-node token bucket and the
/// in-flight guard on every ingest, the read-token check on every scrape. Nodes are visited round robin,
/// so bucket lookups miss the CPU cache as a fleet's would.
/// </summary>
[MemoryDiagnoser]
public class IngestGuardBenchmarks
{
    private NodeRateLimiter _limiter = null!;
    private IngestGate _gate = null!;
    private ReadAuthorizer _read = null!;
    private string[] _nodes = null!;
    private int _next;

    [Params(10_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A rate high enough that every call passes: the cost measured is the common path.
        _limiter = new NodeRateLimiter(new RateLimitOptions { ReportsPerSecond = 1e9, Burst = 1e9 });
        _gate = new IngestGate(1024);
        _read = new ReadAuthorizer(["read-token-prometheus-0123456789", "read-token-grafana-abcdefghijk"]);
        _nodes = [.. Enumerable.Range(0, Nodes).Select(i => $"node-{i:D5}")];
        foreach (var n in _nodes)
        {
            _limiter.TryAcquire(n);
        }
    }

    [Benchmark(Description = "rate limit + in-flight guard, per report")]
    public int IngestGuards()
    {
        var node = _nodes[_next];
        _next = _next + 1 == _nodes.Length ? 0 : _next + 1;
        if (!_gate.TryEnter())
        {
            return -1;
        }

        try
        {
            return _limiter.TryAcquire(node);
        }
        finally
        {
            _gate.Exit();
        }
    }

    [Benchmark(Description = "read token check, per scrape")]
    public bool ReadToken() => _read.Allows("Bearer read-token-grafana-abcdefghijk");
}
