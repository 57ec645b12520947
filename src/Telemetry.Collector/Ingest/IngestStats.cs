namespace Telemetry.Collector.Ingest;

/// <summary>
/// The collector's own ingest counters (<c>inference_collector_*</c>), lock-free. The latency
/// histogram uses fixed bounds suited to an in-memory apply: sub-millisecond to a second.
/// </summary>
public sealed class IngestStats
{
    public static readonly double[] LatencyBoundsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

    private readonly long[] _rejected = new long[Enum.GetValues<RejectReason>().Length];
    private readonly long[] _latencyBuckets = new long[LatencyBoundsSeconds.Length];
    private long _received;
    private long _accepted;
    private long _duplicates;
    private long _latencyCount;
    private long _latencySumTicks;

    /// <summary>Every report POSTed to /v1/reports, whatever became of it (accepted, duplicate or rejected).</summary>
    public long Received => Interlocked.Read(ref _received);

    public long Accepted => Interlocked.Read(ref _accepted);
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected(RejectReason reason) => Interlocked.Read(ref _rejected[(int)reason]);

    /// <summary>Also feeds each observation to an OTLP histogram when push is on (null otherwise: no cost).</summary>
    public Action<double>? LatencyObserved { get; set; }

    public void CountReceived() => Interlocked.Increment(ref _received);

    public void CountAccepted() => Interlocked.Increment(ref _accepted);

    public void CountDuplicate() => Interlocked.Increment(ref _duplicates);

    public void CountRejected(RejectReason reason) => Interlocked.Increment(ref _rejected[(int)reason]);

    public void ObserveLatency(TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        for (var i = 0; i < LatencyBoundsSeconds.Length; i++)
        {
            if (seconds <= LatencyBoundsSeconds[i])
            {
                Interlocked.Increment(ref _latencyBuckets[i]);
                break;
            }
        }

        Interlocked.Increment(ref _latencyCount);
        Interlocked.Add(ref _latencySumTicks, elapsed.Ticks);
        LatencyObserved?.Invoke(seconds);
    }

    /// <summary>Copies the latency histogram as cumulative counts per bound, with count and sum in seconds.</summary>
    public (double[] Cumulative, double Count, double SumSeconds) LatencySnapshot()
    {
        var cumulative = new double[_latencyBuckets.Length];
        long running = 0;
        for (var i = 0; i < cumulative.Length; i++)
        {
            running += Interlocked.Read(ref _latencyBuckets[i]);
            cumulative[i] = running;
        }

        var count = Interlocked.Read(ref _latencyCount);
        return (cumulative, Math.Max(count, running), TimeSpan.FromTicks(Interlocked.Read(ref _latencySumTicks)).TotalSeconds);
    }
}
