using Telemetry.Agent.Reporting;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Tests.Reporting;

public sealed class HistogramTrackerTests
{
    private static HistogramReading H(double[] bounds, double[] counts, double count, double sum) => new(bounds, counts, count, sum);

    [Fact]
    public void Bucket_count_and_sum_increases_are_carried_with_the_cumulative_values()
    {
        var t = new HistogramTracker();
        t.Observe("k", "ttft_seconds", H([0.1, 1], [1, 2], 3, 0.9), 1);
        var s = t.Observe("k", "ttft_seconds", H([0.1, 1], [4, 6], 8, 2.4), 2);
        Assert.Equal([0.1, 1], s.UpperBounds);
        Assert.Equal([4.0, 6.0], s.BucketCounts);
        Assert.Equal([3.0, 4.0], s.BucketDeltas);
        Assert.Equal(5, s.Count.Delta);
        Assert.Equal(1.5, s.Sum.Delta, 9);
        Assert.Equal(1, s.Count.Epoch);
    }

    [Fact]
    public void A_bucket_going_down_resets_the_whole_histogram()
    {
        var t = new HistogramTracker();
        t.Observe("k", "ttft_seconds", H([0.1, 1], [5, 9], 10, 3), 1);
        var s = t.Observe("k", "ttft_seconds", H([0.1, 1], [1, 2], 2, 0.4), 7);
        Assert.Equal([1.0, 2.0], s.BucketDeltas);
        Assert.Equal(2, s.Count.Delta);
        Assert.Equal(7, s.Count.Epoch);
    }

    [Fact]
    public void Changed_bounds_are_a_reset_too()
    {
        var t = new HistogramTracker();
        t.Observe("k", "e2e_seconds", H([0.1, 1], [5, 9], 10, 3), 1);
        var s = t.Observe("k", "e2e_seconds", H([0.5, 1], [6, 11], 12, 4), 3);
        Assert.Equal(12, s.Count.Delta);
        Assert.Equal(3, s.Count.Epoch);
    }
}
