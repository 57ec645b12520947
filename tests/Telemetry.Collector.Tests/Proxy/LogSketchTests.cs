using Telemetry.Wire.Sketches;
using Xunit;

namespace Telemetry.Collector.Tests.Proxy;

/// <summary>The sketch against exact quantiles of the same values: the ≤ 1% relative-error promise, merging, the wire form.</summary>
public sealed class LogSketchTests
{
    /// <summary>Rank ⌊q·(n−1)⌋ of the sorted values: the reference the sketch must be within α of.</summary>
    private static double Exact(double[] sorted, double q) => sorted[(int)Math.Floor(q * (sorted.Length - 1))];

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_quantile_is_within_one_percent_of_the_exact_value(int seed)
    {
        var random = new Random(seed);
        // Latencies over six decades, log-uniform: 10 µs .. 10 s, with a heavy tail.
        var values = Enumerable.Range(0, 5000).Select(_ => Math.Pow(10, -5 + (6 * random.NextDouble()))).ToArray();
        var sketch = new LogSketch();
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        Array.Sort(values);
        for (var q = 0.0; q <= 1.0; q += 0.01)
        {
            var exact = Exact(values, q);
            var estimate = sketch.Quantile(q)!.Value;
            Assert.True(Math.Abs(estimate - exact) <= 0.01 * exact, $"q={q}: sketch {estimate} vs exact {exact}");
        }

        Assert.Equal((ulong)values.Length, sketch.Count);
        Assert.Equal(values.Sum(), sketch.Sum, 6);
    }

    [Fact]
    public void Merged_sketches_answer_as_one_sketch_of_all_values()
    {
        var random = new Random(7);
        var all = new LogSketch();
        var parts = new[] { new LogSketch(), new LogSketch(), new LogSketch() };
        for (var i = 0; i < 3000; i++)
        {
            var v = 0.001 + random.NextDouble() * (i % 3 + 1);
            all.Add(v);
            parts[i % 3].Add(v);
        }

        var merged = new LogSketch();
        foreach (var p in parts)
        {
            Assert.Null(merged.TryMerge(p.ToSample("e2e_seconds"))); // through the wire form, as the collector merges
        }

        foreach (var q in new[] { 0.0, 0.5, 0.9, 0.99, 1.0 })
        {
            Assert.Equal(all.Quantile(q), merged.Quantile(q));
        }
    }

    [Fact]
    public void Zero_and_tiny_values_count_as_zero_and_bad_values_are_refused()
    {
        var sketch = new LogSketch();
        sketch.Add(0);
        sketch.Add(1e-12);
        sketch.Add(2);

        Assert.Equal(0, sketch.Quantile(0.5));
        Assert.InRange(sketch.Quantile(1)!.Value, 1.98, 2.02);
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Add(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Add(-1));
        Assert.Null(new LogSketch().Quantile(0.5));
    }

    [Fact]
    public void Inconsistent_wire_sketches_are_refused_whole()
    {
        var sample = new LogSketch().ToSample("ttft_seconds");
        sample.Indexes.Add(10);
        sample.Counts.Add(3);
        sample.Count = 2; // counts add to 3
        var target = new LogSketch();

        Assert.NotNull(target.TryMerge(sample));
        Assert.Equal(0ul, target.Count);
        Assert.NotNull(target.TryMerge(new LogSketch(0.02).ToSample("ttft_seconds")));
    }
}
