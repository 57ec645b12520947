using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>
/// New observations of a histogram between two reports, as per-bucket counts (+Inf last) and sum —
/// the histogram counterpart of <see cref="CounterState"/>: in sequence the agent's deltas, after a
/// gap the difference of cumulative values, after a reset (new epoch, bounds changed, count down)
/// the cumulative values themselves.
/// </summary>
internal static class HistogramContinuity
{
    /// <summary>
    /// Writes the new observations into <paramref name="counts"/> (one per bound of <paramref name="now"/>, then +Inf)
    /// and their sum; false when there are none.
    /// </summary>
    public static bool Increment(HistogramSample now, HistogramSample? last, bool contiguous, Span<double> counts, out double sum)
    {
        var n = now.UpperBounds.Count;
        // Scratch on the stack for engine-sized histograms (tens of buckets); this runs for every histogram of every report.
        Span<double> byLe = n <= 256 ? stackalloc double[n] : new double[n];
        double count;
        sum = 0;
        if (contiguous || last is null)
        {
            if (now.BucketDeltas.Count != n || now.Count is null)
            {
                return false;
            }

            CopyTo(now.BucketDeltas, byLe);
            count = now.Count.Delta;
            sum = now.Sum?.Delta ?? 0;
        }
        else if (last.Count?.Epoch == now.Count?.Epoch && now.UpperBounds.SequenceEqual(last.UpperBounds) && now.Count!.Total >= last.Count!.Total)
        {
            for (var i = 0; i < n; i++)
            {
                byLe[i] = now.BucketCounts[i] - last.BucketCounts[i];
            }

            count = now.Count.Total - last.Count.Total;
            sum = (now.Sum?.Total ?? 0) - (last.Sum?.Total ?? 0);
        }
        else
        {
            CopyTo(now.BucketCounts, byLe);
            count = now.Count?.Total ?? 0;
            sum = now.Sum?.Total ?? 0;
        }

        if (!(count > 0))
        {
            return false;
        }

        // Cumulative-by-le → per bucket; a bucket can never hold a negative number of observations.
        var previous = 0.0;
        for (var i = 0; i < n; i++)
        {
            counts[i] = Math.Max(0, byLe[i] - previous);
            previous = Math.Max(previous, byLe[i]);
        }

        counts[n] = Math.Max(0, count - previous);
        sum = Math.Max(0, sum);
        return true;
    }

    private static void CopyTo(Google.Protobuf.Collections.RepeatedField<double> values, Span<double> to)
    {
        for (var i = 0; i < values.Count; i++)
        {
            to[i] = values[i];
        }
    }
}
