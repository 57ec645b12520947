namespace Telemetry.Collector.Windows;

/// <summary>
/// Moves histogram observations onto other bucket bounds. Sources merge as they are when their
/// bounds are identical; otherwise each source's cumulative distribution is evaluated at the
/// target bounds by linear interpolation inside the source's buckets (observations assumed
/// uniform within a bucket, the same assumption <c>histogram_quantile</c> makes). The error is
/// bounded by the source's bucket width around each target bound; nothing is lost — totals are
/// preserved exactly, observations above the source's last finite bound stay in +Inf.
/// </summary>
public static class HistogramRebinning
{
    /// <summary>
    /// Re-bins per-bucket counts <paramref name="counts"/> (one per finite bound of
    /// <paramref name="from"/>, then +Inf) onto <paramref name="to"/>, writing one count per finite
    /// bound of <paramref name="to"/> and +Inf into <paramref name="result"/>.
    /// </summary>
    public static void Rebin(ReadOnlySpan<double> from, ReadOnlySpan<double> counts, ReadOnlySpan<double> to, Span<double> result)
    {
        if (counts.Length != from.Length + 1 || result.Length != to.Length + 1)
        {
            throw new ArgumentException("counts need one entry per finite bound plus +Inf");
        }

        double total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        var previous = 0.0;
        for (var i = 0; i < to.Length; i++)
        {
            var cumulative = CumulativeAt(from, counts, to[i]);
            result[i] = Math.Max(0, cumulative - previous);
            previous = Math.Max(previous, cumulative);
        }

        result[to.Length] = Math.Max(0, total - previous);
    }

    /// <summary>Observations at or below <paramref name="x"/>, interpolating linearly inside the source bucket that holds it.</summary>
    private static double CumulativeAt(ReadOnlySpan<double> bounds, ReadOnlySpan<double> counts, double x)
    {
        var cumulative = 0.0;
        var lower = 0.0;
        for (var i = 0; i < bounds.Length; i++)
        {
            var upper = bounds[i];
            if (x >= upper)
            {
                cumulative += counts[i];
                lower = upper;
                continue;
            }

            // x falls inside (lower, upper]: take the uniform share of this bucket below x.
            var width = upper - lower;
            var share = width > 0 ? Math.Clamp((x - lower) / width, 0, 1) : 0;
            return cumulative + (counts[i] * share);
        }

        return cumulative; // beyond the last finite bound: the +Inf bucket's position is unknown, keep it above
    }
}
