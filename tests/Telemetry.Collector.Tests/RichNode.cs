using Telemetry.Wire;

namespace Telemetry.Collector.Tests;

/// <summary>
/// A node as a real one looks: GPUs of two models, servers sharing a GPU, two data-parallel streams of one
/// model, request outcomes, latency histograms, a tier, a server not read this interval and an idle GPU.
/// <paramref name="shape"/> varies the counts so two nodes' reports differ in every list. The first report is sampled
/// at <see cref="T0"/>, the next ones a second apart.
/// </summary>
internal sealed class RichNode(string node, int shape)
{
    public const long T0 = 1_700_000_000_000;

    private ulong _sequence;

    public NodeReport Next()
    {
        var i = (long)_sequence;
        var first = _sequence == 0;
        var r = new NodeReport
        {
            AgentInstanceId = node + "-agent",
            Sequence = ++_sequence,
            SampleTimeUnixMs = T0 + (i * 1000),
            PreviousSampleTimeUnixMs = first ? 0 : T0 + ((i - 1) * 1000),
            SentTimeUnixMs = T0 + (i * 1000),
            Node = node,
            Site = "s" + shape,
            Pool = "p",
            IntervalSeconds = 1,
        };
        var gpus = 2 + (2 * shape);
        for (var g = 0; g < gpus; g++)
        {
            r.Gpus.Add(new GpuSample
            {
                Index = (uint)g,
                Uuid = $"{node}-GPU-{g}",
                Name = g % 2 == 0 ? "H100" : "A100",
                EnergyJoules = Counter(i, 300 + (10 * g)),
                UtilizationRatio = 0.5,
            });
        }

        for (var s = 0; s < 1 + shape; s++)
        {
            var server = new ServerSample
            {
                Name = "srv" + s,
                Engine = "vllm",
                Role = "unified",
                Tier = s == 0 ? "gold" : "",
                Up = true,
                EnergyJoules = Counter(i, 600),
            };
            server.GpuUuids.Add($"{node}-GPU-{s}");
            server.GpuUuids.Add($"{node}-GPU-{s + 1}"); // GPU s + 1 is shared with the next server
            for (var e = 0; e < 1 + s; e++)
            {
                var stream = new StreamSample { Model = "m" + (s % 2), InputTokens = Counter(i, 900 + s), OutputTokens = Counter(i, 300 + (7 * e)) };
                stream.Labels.Add("engine", e.ToString(System.Globalization.CultureInfo.InvariantCulture));
                stream.Requests.Add(new OutcomeCounter { Outcome = "stop", Count = Counter(i, 4) });
                for (var m = 0; m < 1 + shape; m++)
                {
                    var h = new HistogramSample { Metric = m == 0 ? "ttft_seconds" : "e2e_seconds", Count = Counter(i, 10), Sum = Counter(i, 3 + m) };
                    h.UpperBounds.AddRange(m == 0 ? [0.1, 0.5, 1] : [0.5, 2, 8, 30]);
                    double[] byLe = m == 0 ? [2, 8, 10] : [1, 5, 9, 10];
                    foreach (var c in byLe)
                    {
                        h.BucketCounts.Add(c * i);
                        h.BucketDeltas.Add(first ? 0 : c);
                    }

                    stream.Histograms.Add(h);
                }

                server.Streams.Add(stream);
            }

            r.Servers.Add(server);
        }

        r.Servers.Add(new ServerSample { Name = "unread", Engine = "tgi", Up = false, Error = "connection refused" });
        return r;
    }

    private Counter Counter(long i, double perSecond) =>
        new() { Total = 1_000 + (perSecond * i), Delta = _sequence == 1 ? 0 : perSecond, Epoch = 1 };
}
