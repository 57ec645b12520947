using Google.Protobuf;
using Telemetry.Wire;
using Telemetry.Wire.Sketches;

namespace Telemetry.Fuzzing;

/// <summary>
/// Valid, realistic NodeReports to mutate: two nodes × three consecutive reports, each with 8 GPUs,
/// 2 vLLM servers (one stream each with request outcomes and four histograms) and, on the first
/// server, metering-proxy streams with latency sketches. Shared by source link with the bench.
/// </summary>
internal static class ReportSeeds
{
    /// <summary>Sample time of the first report (Unix ms); the fuzz clock stands a few seconds after the last.</summary>
    public const long StartMs = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    public const int ReportsPerNode = 3;

    /// <summary>When the collector receives them (its clock in a fuzz run): every report is sent then, so the clock offset is 0 and the windows hold every sample.</summary>
    public const long ReceivedMs = StartMs + (ReportsPerNode * 1000) + 3000;

    private static readonly double[] Bounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly string[] Nodes = ["fuzz-a", "fuzz-b"];

    public static IReadOnlyList<byte[]> Encoded() => [.. Nodes.SelectMany(Reports).Select(r => r.ToByteArray())];

    public static IEnumerable<NodeReport> Reports(string node)
    {
        for (var seq = 1; seq <= ReportsPerNode; seq++)
        {
            yield return Report(node, seq);
        }
    }

    private static NodeReport Report(string node, int seq)
    {
        var first = seq == 1;
        var sampleMs = StartMs + ((seq - 1) * 1000L);
        var r = new NodeReport
        {
            AgentInstanceId = "agent-" + node,
            Sequence = (ulong)seq,
            SampleTimeUnixMs = sampleMs,
            PreviousSampleTimeUnixMs = first ? 0 : sampleMs - 1000,
            SentTimeUnixMs = ReceivedMs,
            Node = node,
            Site = "s1",
            Pool = "h100",
            IntervalSeconds = 1,
            AgentVersion = "0.1.0",
        };
        for (uint g = 0; g < 8; g++)
        {
            r.Gpus.Add(new GpuSample
            {
                Index = g,
                Uuid = $"GPU-{node}-{g}",
                Name = "NVIDIA H100 80GB HBM3",
                Source = "nvml",
                EnergyMethod = EnergyMethod.Counter,
                EnergyJoules = Counter(1_000_000 + (550.0 * seq), first ? 0 : 550),
                PowerWatts = 550,
                PowerLimitWatts = 700,
                UtilizationRatio = 0.9,
                MemoryUsedBytes = 6e10,
                MemoryTotalBytes = 8.5e10,
                TemperatureCelsius = 61,
                SmClockHertz = 1755e6,
                MemoryClockHertz = 2619e6,
                SmClockMaxHertz = 1980e6,
            });
        }

        for (var s = 0; s < 2; s++)
        {
            r.Servers.Add(Server(node, s, seq, sampleMs));
        }

        return r;
    }

    private static ServerSample Server(string node, int s, int seq, long sampleMs)
    {
        var first = seq == 1;
        var server = new ServerSample
        {
            Name = $"vllm-{s}",
            Engine = "vllm",
            Role = "unified",
            Tier = s == 0 ? "gold" : "",
            Up = true,
            EnergyJoules = Counter(2200.0 * seq, first ? 0 : 2200),
            SampleTimeUnixMs = sampleMs - 20,
            PreviousSampleTimeUnixMs = first ? 0 : sampleMs - 1020,
        };
        for (var g = 0; g < 4; g++)
        {
            server.GpuUuids.Add($"GPU-{node}-{(s * 4) + g}");
        }

        var stream = new StreamSample
        {
            Model = "llama-3.1-70b",
            InputTokens = Counter(9000.0 * seq, first ? 0 : 9000),
            OutputTokens = Counter(3000.0 * seq, first ? 0 : 3000),
            RunningRequests = 40,
            WaitingRequests = 2,
            KvCacheUsageRatio = 0.4,
        };
        stream.Labels.Add("engine", "0");
        foreach (var (outcome, perSecond) in new[] { ("success", 12.0), ("error", 1.0), ("aborted", 0.5) })
        {
            stream.Requests.Add(new OutcomeCounter { Outcome = outcome, Count = Counter(perSecond * seq, first ? 0 : perSecond) });
        }

        foreach (var metric in new[] { "ttft_seconds", "tpot_seconds", "e2e_seconds", "queue_seconds" })
        {
            var h = new HistogramSample { Metric = metric, Count = Counter(12.0 * seq, first ? 0 : 12), Sum = Counter(3.1 * seq, first ? 0 : 3.1) };
            h.UpperBounds.AddRange(Bounds);
            for (var i = 0; i < Bounds.Length; i++)
            {
                var perReport = i >= 3 ? 12.0 : 4.0 * i;
                h.BucketCounts.Add(perReport * seq);
                h.BucketDeltas.Add(first ? 0 : perReport);
            }

            stream.Histograms.Add(h);
        }

        server.Streams.Add(stream);
        if (s == 0)
        {
            foreach (var tenant in new[] { "team-a", "key-3f9a" })
            {
                server.ProxyStreams.Add(ProxyStream(tenant, seq));
            }
        }

        return server;
    }

    private static ProxyStreamSample ProxyStream(string tenant, int seq)
    {
        var first = seq == 1;
        var p = new ProxyStreamSample
        {
            Model = "llama-3.1-70b",
            Tenant = tenant,
            Tier = "gold",
            InputTokens = Counter(4000.0 * seq, first ? 0 : 4000),
            OutputTokens = Counter(1500.0 * seq, first ? 0 : 1500),
            EstimatedRequests = Counter(seq, first ? 0 : 1),
            UserSeconds = Counter(30.0 * seq, first ? 0 : 30),
        };
        p.Requests.Add(new OutcomeCounter { Outcome = "success", Count = Counter(6.0 * seq, first ? 0 : 6) });
        p.Requests.Add(new OutcomeCounter { Outcome = "aborted", Count = Counter(seq, first ? 0 : 1) });
        foreach (var (metric, scale) in new[] { ("ttft_seconds", 0.08), ("tpot_seconds", 0.02), ("e2e_seconds", 4.0) })
        {
            var sketch = new LogSketch();
            for (var i = 1; i <= 6; i++)
            {
                sketch.Add(scale * i);
            }

            p.Sketches.Add(sketch.ToSample(metric));
        }

        return p;
    }

    private static Counter Counter(double total, double delta) => new() { Total = total, Delta = delta, Epoch = StartMs };
}
