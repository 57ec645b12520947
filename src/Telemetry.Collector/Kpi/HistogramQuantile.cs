namespace Telemetry.Collector.Kpi;

/// <summary>
/// Quantiles from classic histogram buckets, the way Prometheus's <c>histogram_quantile</c> computes
/// them: find the bucket holding rank q × count and interpolate linearly between its bounds (the
/// first bucket's lower bound is 0). A rank in the +Inf bucket returns the highest finite bound.
/// The error is at most the width of the bucket the quantile falls in (docs/kpis.md).
/// </summary>
public static class HistogramQuantile
{
    /// <param name="q">The quantile, 0 to 1.</param>
    /// <param name="bounds">Finite upper bounds, ascending.</param>
    /// <param name="counts">Per-bucket (not cumulative) counts: one per finite bound, then +Inf.</param>
    /// <returns>The quantile, or null when there are no observations.</returns>
    public static double? Estimate(double q, ReadOnlySpan<double> bounds, ReadOnlySpan<double> counts)
    {
        double total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        if (!(total > 0) || bounds.Length == 0)
        {
            return null;
        }

        var rank = q * total;
        var cumulative = 0.0;
        for (var i = 0; i < bounds.Length; i++)
        {
            var next = cumulative + counts[i];
            if (next >= rank && counts[i] > 0)
            {
                var lower = i == 0 ? Math.Min(0, bounds[0]) : bounds[i - 1];
                return lower + ((bounds[i] - lower) * ((rank - cumulative) / counts[i]));
            }

            cumulative = next;
        }

        return bounds[^1];
    }

    /// <summary>Fraction of observations at or below <paramref name="threshold"/>, interpolating inside its bucket; null without observations.</summary>
    public static double? FractionAtOrBelow(double threshold, ReadOnlySpan<double> bounds, ReadOnlySpan<double> counts)
    {
        double total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        if (!(total > 0))
        {
            return null;
        }

        Span<double> one = stackalloc double[2];
        Telemetry.Collector.Windows.HistogramRebinning.Rebin(bounds, counts, [threshold], one);
        return one[0] / total;
    }
}
