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
    public static (double[] Counts, double Sum)? Increment(HistogramSample now, HistogramSample? last, bool contiguous)
    {
        var n = now.UpperBounds.Count;
        var byLe = new double[n];
        double count, sum;
        if (contiguous || last is null)
        {
            if (now.BucketDeltas.Count != n || now.Count is null)
            {
                return null;
            }

            now.BucketDeltas.CopyTo(byLe, 0);
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
            now.BucketCounts.CopyTo(byLe, 0);
            count = now.Count?.Total ?? 0;
            sum = now.Sum?.Total ?? 0;
        }

        if (!(count > 0))
        {
            return null;
        }

        // Cumulative-by-le → per bucket; a bucket can never hold a negative number of observations.
        var counts = new double[n + 1];
        var previous = 0.0;
        for (var i = 0; i < n; i++)
        {
            counts[i] = Math.Max(0, byLe[i] - previous);
            previous = Math.Max(previous, byLe[i]);
        }

        counts[n] = Math.Max(0, count - previous);
        return (counts, Math.Max(0, sum));
    }
}
