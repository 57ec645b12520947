using Telemetry.Wire;

namespace Telemetry.Benchmarks;

/// <summary>Realistic node reports for benchmarks: 8 GPUs, 2 vLLM servers with 4 latency histograms each.</summary>
internal static class SyntheticReports
{
    private static readonly double[] TtftBounds = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];

    public static NodeReport Node(string node)
    {
        var r = new NodeReport { AgentInstanceId = "bench-" + node, Node = node, Site = "site-a", Pool = "h100", IntervalSeconds = 1 };
        for (uint g = 0; g < 8; g++)
        {
            r.Gpus.Add(new GpuSample
            {
                Index = g,
                Uuid = $"GPU-{node}-{g}",
                Name = "NVIDIA H100 80GB HBM3",
                Source = "nvml",
                EnergyMethod = EnergyMethod.Counter,
                EnergyJoules = new Counter { Epoch = 1 },
                PowerWatts = 550,
                PowerLimitWatts = 700,
                UtilizationRatio = 0.9,
                MemoryUsedBytes = 6e10,
                MemoryTotalBytes = 8.5e10,
                TemperatureCelsius = 61,
                GraphicsClockHertz = 1755e6, // what an NVML agent sends: three clocks and their maxima
                SmClockHertz = 1755e6,
                MemoryClockHertz = 2619e6,
                GraphicsClockMaxHertz = 1980e6,
                SmClockMaxHertz = 1980e6,
                MemoryClockMaxHertz = 2619e6,
            });
        }

        for (var s = 0; s < 2; s++)
        {
            var server = new ServerSample { Name = $"vllm-{s}", Engine = "vllm", Role = "unified", Tier = s == 0 ? "premium" : "", Up = true, EnergyJoules = new Counter { Epoch = 1 } };
            for (var g = 0; g < 4; g++)
            {
                server.GpuUuids.Add($"GPU-{node}-{(s * 4) + g}");
            }

            var stream = new StreamSample { Model = "llama-3.1-70b", InputTokens = new Counter { Epoch = 1 }, OutputTokens = new Counter { Epoch = 1 }, RunningRequests = 40 };
            stream.Labels.Add("engine", "0");
            foreach (var outcome in new[] { "success", "error", "aborted" })
            {
                stream.Requests.Add(new OutcomeCounter { Outcome = outcome, Count = new Counter { Epoch = 1 } });
            }

            foreach (var metric in new[] { "ttft_seconds", "tpot_seconds", "e2e_seconds", "queue_seconds" })
            {
                var h = new HistogramSample { Metric = metric, Count = new Counter { Epoch = 1 }, Sum = new Counter { Epoch = 1 } };
                h.UpperBounds.AddRange(TtftBounds);
                h.BucketCounts.AddRange(new double[TtftBounds.Length]);
                h.BucketDeltas.AddRange(new double[TtftBounds.Length]);
                stream.Histograms.Add(h);
            }

            server.Streams.Add(stream);
            r.Servers.Add(server);
        }

        return r;
    }

    /// <summary>Moves the report one second on: counters grow, sequence and times advance.</summary>
    public static void Advance(NodeReport r, ulong sequence, long sampleMs, long? sentMs = null)
    {
        r.PreviousSampleTimeUnixMs = r.Sequence == 0 ? 0 : r.SampleTimeUnixMs;
        r.Sequence = sequence;
        r.SampleTimeUnixMs = sampleMs;
        r.SentTimeUnixMs = sentMs ?? sampleMs;
        foreach (var g in r.Gpus)
        {
            Grow(g.EnergyJoules, 550);
        }

        foreach (var s in r.Servers)
        {
            Grow(s.EnergyJoules, 2200);
            foreach (var st in s.Streams)
            {
                Grow(st.InputTokens, 9000);
                Grow(st.OutputTokens, 3000);
                foreach (var o in st.Requests)
                {
                    Grow(o.Count, 12);
                }

                foreach (var h in st.Histograms)
                {
                    Grow(h.Count, 12);
                    Grow(h.Sum, 3.1);
                    for (var i = 0; i < h.BucketCounts.Count; i++)
                    {
                        h.BucketDeltas[i] = i >= 8 ? 12 : 0;
                        h.BucketCounts[i] += h.BucketDeltas[i];
                    }
                }
            }
        }
    }

    private static void Grow(Counter c, double by)
    {
        c.Delta = by;
        c.Total += by;
    }
}
