namespace Telemetry.Collector.State;

/// <summary>
/// A stream's engine histograms (cumulative buckets, count and sum), read from the live state when <c>/metrics</c> is
/// written instead of being copied into every snapshot. A fleet holds eight of them per node and only <c>/metrics</c>
/// writes them, so copying them into each snapshot was a third of what a render allocated (and was paid by
/// <c>/api</c> and OTLP snapshots too). Each read copies one histogram under the node's lock into the caller's
/// buffer: a series is always consistent with itself, and no lock is held while the exposition is written.
/// </summary>
public sealed class RawHistograms
{
    private readonly StreamState _stream;
    private readonly Lock _sync;

    internal RawHistograms(StreamState stream, Lock sync)
    {
        _stream = stream;
        _sync = sync;
    }

    /// <summary>
    /// Copies the histogram of <paramref name="metric"/> (e.g. <c>ttft_seconds</c>) as it is now: its cumulative counts
    /// into <paramref name="counts"/> (grown when too short), its finite bounds (an array shared until they change, never
    /// written to). False when the stream has no such histogram.
    /// </summary>
    public bool TryRead(string metric, ref double[] counts, out double[] bounds, out int length, out double count, out double sum)
    {
        lock (_sync)
        {
            if (!_stream.Histograms.TryGetValue(metric, out var h))
            {
                (bounds, length, count, sum) = ([], 0, 0, 0);
                return false;
            }

            bounds = _stream.BoundsOf(h);

            // Equal lengths are checked at ingest (ReportValidator); Min only keeps a bad one in bounds.
            length = Math.Min(bounds.Length, h.BucketCounts.Count);
            if (counts.Length < length)
            {
                counts = new double[Math.Max(length, 2 * counts.Length)];
            }

            for (var i = 0; i < length; i++)
            {
                counts[i] = h.BucketCounts[i];
            }

            count = h.Count?.Total ?? 0;
            sum = h.Sum?.Total ?? 0;
            return true;
        }
    }

    /// <summary>As <see cref="TryRead"/>, into a new <see cref="RawHistogram"/>; null when there is no such histogram.</summary>
    public RawHistogram? Read(string metric)
    {
        double[] counts = [];
        return TryRead(metric, ref counts, out var bounds, out var length, out var count, out var sum)
            ? new RawHistogram(metric, bounds, counts[..length], count, sum)
            : null;
    }
}
