using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// Collects one stream's <c>_bucket</c>/<c>_count</c>/<c>_sum</c> samples in any order and builds a
/// <see cref="HistogramReading"/>. Series that differ only in labels outside the stream key are
/// summed bucket by bucket (PromQL <c>sum by (le)</c>); an incomplete histogram is omitted.
/// <see cref="Scale"/> converts the engine's unit to the reading's once, at the edge (Triton ms → s).
/// </summary>
internal sealed class HistogramAccumulator
{
    /// <summary>Multiplies bounds and sum (not counts); 1 unless the engine's unit differs.</summary>
    public double Scale { get; set; } = 1;

    private readonly Dictionary<double, double> _buckets = [];
    private double? _infBucket;
    private double? _count;
    private double? _sum;

    public void AddBucket(MetricSample sample)
    {
        if (!PrometheusNumber.TryParse(sample.GetLabel("le"), out var bound) || double.IsNaN(bound))
        {
            return; // A bucket without a usable bound cannot be placed; leave it out.
        }

        if (double.IsPositiveInfinity(bound))
        {
            _infBucket = (_infBucket ?? 0) + sample.Value;
        }
        else
        {
            _buckets[bound * Scale] = _buckets.GetValueOrDefault(bound * Scale) + sample.Value;
        }
    }

    public void AddCount(double value) => _count = (_count ?? 0) + value;

    public void AddSum(double value) => _sum = (_sum ?? 0) + (value * Scale);

    /// <summary>The reading, or null when neither a count nor a +Inf bucket, or no sum, was exposed.</summary>
    public HistogramReading? Build()
    {
        var count = _count ?? _infBucket;
        if (count is null || _sum is null)
        {
            return null;
        }

        var bounds = new double[_buckets.Count];
        _buckets.Keys.CopyTo(bounds, 0);
        Array.Sort(bounds);
        var counts = new double[bounds.Length];
        for (var i = 0; i < bounds.Length; i++)
        {
            counts[i] = _buckets[bounds[i]];
        }

        return new HistogramReading(bounds, counts, count.Value, _sum.Value);
    }
}
