using Telemetry.Collector.Kpi;
using Telemetry.Collector.Windows;

namespace Telemetry.Collector.Tests.Kpi;

public sealed class HistogramQuantileTests
{
    private static readonly double[] Bounds = [0.1, 0.5, 1];
    private static readonly double[] Counts = [10, 30, 50, 10]; // +Inf last; 100 observations

    [Theory]
    [InlineData(0.05, 0.05)] // rank 5 in (0, 0.1]: 0.1 × 5/10
    [InlineData(0.25, 0.3)] // rank 25 in (0.1, 0.5]: 0.1 + 0.4 × 15/30
    [InlineData(0.5, 0.6)] // rank 50 in (0.5, 1]: 0.5 + 0.5 × 10/50
    [InlineData(0.9, 1.0)] // rank 90: the top of (0.5, 1]
    [InlineData(0.99, 1.0)] // rank 99 is in +Inf: the highest finite bound, as Prometheus answers
    public void Quantiles_interpolate_linearly_within_the_bucket(double q, double expected) =>
        Assert.Equal(expected, HistogramQuantile.Estimate(q, Bounds, Counts)!.Value, 12);

    [Fact]
    public void No_observations_give_no_quantile() => Assert.Null(HistogramQuantile.Estimate(0.5, Bounds, [0, 0, 0, 0]));

    [Fact]
    public void Attainment_is_the_interpolated_share_at_or_below_the_objective()
    {
        Assert.Equal(0.25, HistogramQuantile.FractionAtOrBelow(0.3, Bounds, Counts)!.Value, 12); // 10 + 30 × 0.5
        Assert.Equal(0.9, HistogramQuantile.FractionAtOrBelow(1, Bounds, Counts)!.Value, 12);
    }
}

public sealed class HistogramRebinningTests
{
    [Fact]
    public void Identical_bounds_keep_the_counts()
    {
        var result = new double[3];
        HistogramRebinning.Rebin([1, 2], [3, 4, 5], [1, 2], result);
        Assert.Equal([3.0, 4, 5], result);
    }

    [Fact]
    public void Counts_split_uniformly_inside_a_source_bucket_and_totals_are_kept()
    {
        var result = new double[2];
        HistogramRebinning.Rebin([1, 2], [10, 10, 4], [1.5], result);
        Assert.Equal([15.0, 9], result); // 10 + half of (1, 2]; the rest, and +Inf, above
    }

    [Fact]
    public void Finer_target_bounds_spread_and_observations_above_the_source_stay_in_inf()
    {
        var result = new double[4];
        HistogramRebinning.Rebin([0.4], [8, 2], [0.1, 0.2, 0.8], result);
        Assert.Equal([2.0, 2, 4, 2], result);
        Assert.Equal(10, result.Sum());
    }
}
