namespace Telemetry.Benchmarks.Load;

/// <summary>
/// A lock-free latency histogram for millions of samples: log buckets 2% wide from 1 µs to ~100 s,
/// so quantiles carry at most 2% relative error and recording allocates nothing.
/// </summary>
internal sealed class LatencyRecorder
{
    private const double Growth = 1.02;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _buckets = new long[(int)Math.Ceiling(Math.Log(1e8) / Math.Log(Growth)) + 2];
    private long _count;
    private long _maxMicros;

    public long Count => Interlocked.Read(ref _count);

    public double MaxMs => Interlocked.Read(ref _maxMicros) / 1000.0;

    public void Record(TimeSpan elapsed)
    {
        var micros = Math.Max(1, (long)(elapsed.Ticks / 10.0));
        var index = Math.Min(_buckets.Length - 1, (int)(Math.Log(micros) / LogGrowth));
        Interlocked.Increment(ref _buckets[index]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _maxMicros);
        while (micros > max && Interlocked.CompareExchange(ref _maxMicros, micros, max) != max)
        {
            max = Interlocked.Read(ref _maxMicros);
        }
    }

    /// <summary>The q-quantile in milliseconds (upper edge of its bucket), NaN when empty.</summary>
    public double QuantileMs(double q)
    {
        var count = Count;
        if (count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(q * count);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank)
            {
                return Math.Pow(Growth, i + 1) / 1000.0;
            }
        }

        return MaxMs;
    }

    public string Summary() => Count == 0 ? "no samples" : $"p50 {QuantileMs(0.5):0.00} ms, p99 {QuantileMs(0.99):0.00} ms, p99.9 {QuantileMs(0.999):0.00} ms, max {MaxMs:0.0} ms";
}
