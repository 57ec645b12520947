namespace Telemetry.Wire.Sketches;

/// <summary>
/// A mergeable log-bucket quantile sketch (DDSketch, Masson et al., VLDB 2019): a positive value v
/// is counted in bucket i = ceil(log_γ v), γ = (1 + α) / (1 − α), and every quantile is answered by
/// its bucket's midpoint 2γ^i / (γ + 1), which is within relative error α of every value in the
/// bucket. Merging adds counts by index, so node sketches merge without losing the bound.
/// Not thread-safe; values at or below <see cref="MinValue"/> (0 included) go to a zero bucket.
/// </summary>
public sealed class LogSketch
{
    /// <summary>Default relative accuracy: half the 1% the design promises, leaving room for rounding.</summary>
    public const double DefaultRelativeAccuracy = 0.005;

    /// <summary>Latencies below a nanosecond are below any clock we read: counted as zero.</summary>
    public const double MinValue = 1e-9;

    private readonly Dictionary<int, ulong> _buckets = [];
    private readonly double _logGamma;

    public LogSketch(double relativeAccuracy = DefaultRelativeAccuracy)
    {
        if (!(relativeAccuracy > 0 && relativeAccuracy < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeAccuracy), relativeAccuracy, "relative accuracy must be in (0, 1)");
        }

        RelativeAccuracy = relativeAccuracy;
        Gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
        _logGamma = Math.Log(Gamma);
    }

    public double RelativeAccuracy { get; }

    public double Gamma { get; }

    public ulong Count { get; private set; }

    public ulong ZeroCount { get; private set; }

    public double Sum { get; private set; }

    public int BucketCount => _buckets.Count;

    /// <summary>Adds one value; NaN, infinities and negatives are refused (a latency cannot be one).</summary>
    public void Add(double value, ulong count = 1)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "sketch values must be finite and non-negative");
        }

        if (value <= MinValue)
        {
            ZeroCount += count;
        }
        else
        {
            var index = IndexOf(value);
            _buckets[index] = _buckets.GetValueOrDefault(index) + count;
        }

        Count += count;
        Sum += value * count;
    }

    public int IndexOf(double value) => (int)Math.Ceiling(Math.Log(value) / _logGamma);

    /// <summary>The representative value of bucket <paramref name="index"/>: within α of all its values.</summary>
    public double ValueOf(int index) => 2 * Math.Exp(index * _logGamma) / (Gamma + 1);

    /// <summary>Adds another sketch's counts; both must share the relative accuracy.</summary>
    public void Merge(LogSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.RelativeAccuracy != RelativeAccuracy)
        {
            throw new ArgumentException($"cannot merge sketches of accuracy {other.RelativeAccuracy} into {RelativeAccuracy}", nameof(other));
        }

        foreach (var (index, count) in other._buckets)
        {
            _buckets[index] = _buckets.GetValueOrDefault(index) + count;
        }

        ZeroCount += other.ZeroCount;
        Count += other.Count;
        Sum += other.Sum;
    }

    /// <summary>The q-quantile (0 ≤ q ≤ 1) by rank ⌊q·(n − 1)⌋ as in DDSketch; null when empty.</summary>
    public double? Quantile(double q)
    {
        if (Count == 0 || !(q >= 0 && q <= 1))
        {
            return null;
        }

        var rank = (ulong)Math.Floor(q * (Count - 1));
        if (rank < ZeroCount)
        {
            return 0;
        }

        var seen = ZeroCount;
        foreach (var index in SortedIndexes())
        {
            seen += _buckets[index];
            if (seen > rank)
            {
                return ValueOf(index);
            }
        }

        return ValueOf(SortedIndexes()[^1]);
    }

    /// <summary>Clears all counts (the agent reports deltas and starts over after each report).</summary>
    public void Clear()
    {
        _buckets.Clear();
        Count = 0;
        ZeroCount = 0;
        Sum = 0;
    }

    public SketchSample ToSample(string metric)
    {
        var sample = new SketchSample { Metric = metric, RelativeAccuracy = RelativeAccuracy, ZeroCount = ZeroCount, Count = Count, Sum = Sum };
        foreach (var index in SortedIndexes())
        {
            sample.Indexes.Add(index);
            sample.Counts.Add(_buckets[index]);
        }

        return sample;
    }

    /// <summary>Adds a wire sample's counts; null when it is consistent, else why not (nothing is added then).</summary>
    public string? TryMerge(SketchSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.RelativeAccuracy != RelativeAccuracy)
        {
            return $"sketch {sample.Metric} has relative accuracy {sample.RelativeAccuracy}, expected {RelativeAccuracy}";
        }

        if (sample.Indexes.Count != sample.Counts.Count)
        {
            return $"sketch {sample.Metric} has {sample.Indexes.Count} indexes but {sample.Counts.Count} counts";
        }

        ulong total = sample.ZeroCount;
        foreach (var c in sample.Counts)
        {
            total += c;
        }

        if (total != sample.Count || !double.IsFinite(sample.Sum) || sample.Sum < 0)
        {
            return $"sketch {sample.Metric} counts add up to {total}, not its count {sample.Count}, or its sum {sample.Sum} is invalid";
        }

        for (var i = 0; i < sample.Indexes.Count; i++)
        {
            _buckets[sample.Indexes[i]] = _buckets.GetValueOrDefault(sample.Indexes[i]) + sample.Counts[i];
        }

        ZeroCount += sample.ZeroCount;
        Count += sample.Count;
        Sum += sample.Sum;
        return null;
    }

    private int[] SortedIndexes()
    {
        var keys = _buckets.Keys.ToArray();
        Array.Sort(keys);
        return keys;
    }
}
