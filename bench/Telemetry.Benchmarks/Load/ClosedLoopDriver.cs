using System.Diagnostics;

namespace Telemetry.Benchmarks.Load;

/// <summary>What a closed-loop phase measured: the most this endpoint accepts with this generator on this machine.</summary>
internal sealed record ClosedLoopResult(long Accepted, long Other, double Seconds, LatencyRecorder Latency, long AcceptedWithWarmUp)
{
    public double PerSecond => Accepted / Seconds;
}

/// <summary>
/// Max throughput: <c>workers</c> loops, each sending its own share of the fleet's nodes back to
/// back (a node is only ever in flight once). A warm-up is sent and not counted.
/// </summary>
internal static class ClosedLoopDriver
{
    public static async Task<ClosedLoopResult> RunAsync(IngestClient client, SimulatedFleet fleet, int workers, TimeSpan warmUp, TimeSpan duration, CancellationToken ct)
    {
        var latency = new LatencyRecorder();
        long accepted = 0, other = 0, all = 0;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var end = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            loops[w] = Task.Run(
                async () =>
                {
                    for (var node = worker; !ct.IsCancellationRequested; node += workers)
                    {
                        if (node >= fleet.Count)
                        {
                            node = worker;
                        }

                        var body = fleet.Next(node, out var length);
                        var sent = Stopwatch.GetTimestamp();
                        if (sent >= end)
                        {
                            SimulatedFleet.Return(body);
                            return;
                        }

                        int status;
                        try
                        {
                            status = await client.PostAsync(body, length, ct).ConfigureAwait(false);
                        }
                        finally
                        {
                            SimulatedFleet.Return(body);
                        }

                        if (status == 202)
                        {
                            Interlocked.Increment(ref all);
                        }

                        if (sent >= measureFrom)
                        {
                            latency.Record(Stopwatch.GetElapsedTime(sent));
                            if (status == 202)
                            {
                                Interlocked.Increment(ref accepted);
                            }
                            else
                            {
                                Interlocked.Increment(ref other);
                            }
                        }
                    }
                },
                ct);
        }

        await Task.WhenAll(loops).WaitAsync(duration + warmUp + TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        return new ClosedLoopResult(accepted, other, duration.TotalSeconds, latency, all);
    }
}
