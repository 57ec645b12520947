using System.Buffers;
using System.Text;
using Telemetry.Exposition.Tests.Support;

namespace Telemetry.Exposition.Tests.Writing;

/// <summary>
/// <see cref="ExpositionWriter.WriteConcurrently"/>: two groups of families written on two threads must read exactly
/// like the same groups written one after the other, in both formats, and lose no buffer on failure.
/// </summary>
public sealed class ConcurrentWritingTests
{
    private static readonly LabelSet Node = LabelSet.Of(new Label("node", "n1"), new Label("site", "s\"1"));

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004)]
    [InlineData(ExpositionFormat.OpenMetrics100)]
    public void Two_groups_written_at_once_read_like_one_after_the_other(ExpositionFormat format)
    {
        using var sequential = new ExpositionWriter(format);
        FirstGroup(sequential);
        SecondGroup(sequential);
        sequential.Finish();

        using var concurrent = new ExpositionWriter(format, initialCapacity: 16) { ContinuationCapacity = 16 }; // both regrow
        concurrent.WriteConcurrently(FirstGroup, SecondGroup);
        concurrent.Finish();

        ReadOnlySequence<byte> body = concurrent.Written;
        Assert.False(body.IsSingleSegment);
        Assert.Equal(Encoding.UTF8.GetString(sequential.WrittenMemory.Span), Encoding.UTF8.GetString(body));
        Assert.Equal(sequential.SampleCount, concurrent.SampleCount);
        Assert.Equal(body.Length, concurrent.OwnLength + concurrent.ContinuationLength);
        if (format == ExpositionFormat.OpenMetrics100)
        {
            Assert.EndsWith("# EOF\n", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Only_finish_may_follow_and_the_single_block_view_refuses_two_blocks()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.WriteConcurrently(FirstGroup, SecondGroup);

        Assert.Throws<InvalidOperationException>(() => writer.BeginFamily("late", MetricType.Gauge, "h"));
        Assert.Throws<InvalidOperationException>(() => writer.WriteConcurrently(FirstGroup, SecondGroup));
        Assert.Throws<InvalidOperationException>(() => writer.WrittenMemory);
        writer.Finish();
    }

    [Fact]
    public void A_family_written_by_both_groups_is_refused_and_the_second_buffer_returned()
    {
        var pool = new TrackingArrayPool();
        var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004, 256, pool);

        var error = Assert.Throws<ArgumentException>(() => writer.WriteConcurrently(FirstGroup, FirstGroup));

        Assert.Contains("power_watts", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, pool.OutstandingCount); // only the writer's own buffer is still out
        writer.Dispose();
        Assert.Equal(0, pool.OutstandingCount);
    }

    [Fact]
    public void A_failing_group_fails_the_whole_write_after_the_other_group_has_stopped()
    {
        var pool = new TrackingArrayPool();
        var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004, 256, pool);
        var secondFinished = false;

        var error = Assert.Throws<InvalidOperationException>(() => writer.WriteConcurrently(
            _ => throw new InvalidOperationException("first failed"),
            w =>
            {
                Thread.Sleep(200); // still writing when the first group has already failed
                SecondGroup(w);
                Volatile.Write(ref secondFinished, true);
            }));

        Assert.Equal("first failed", error.Message);
        Assert.True(Volatile.Read(ref secondFinished), "the call returned while the second group still wrote into its buffer");
        Assert.Equal(1, pool.OutstandingCount);

        writer.Dispose();
        using var other = new ExpositionWriter(ExpositionFormat.PrometheusText004, 256, pool);
        error = Assert.Throws<InvalidOperationException>(() => other.WriteConcurrently(FirstGroup, _ => throw new InvalidOperationException("second failed")));
        Assert.Equal("second failed", error.Message);
        Assert.Equal(1, pool.OutstandingCount);
    }

    [Fact]
    public async Task A_scrape_of_two_blocks_is_served_whole_and_returns_both_buffers_when_released()
    {
        var pool = new TrackingArrayPool();
        using var cache = new ScrapeCache(w => w.WriteConcurrently(FirstGroup, SecondGroup), TimeSpan.Zero, null, pool);
        using var sequential = new ExpositionWriter(ExpositionFormat.OpenMetrics100);
        FirstGroup(sequential);
        SecondGroup(sequential);
        sequential.Finish();

        var scrape = await cache.GetAsync(ExpositionFormat.OpenMetrics100, CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetString(sequential.WrittenMemory.Span), Encoding.UTF8.GetString(scrape.Body));
        Assert.Equal(2, pool.OutstandingCount);
        scrape.Dispose();
        Assert.Equal(0, pool.OutstandingCount);
    }

    private static void FirstGroup(ExpositionWriter w)
    {
        w.BeginFamily("power_watts", MetricType.Gauge, "Power.");
        for (var i = 0; i < 200; i++)
        {
            w.WriteSample(Node, i * 1.5);
        }

        w.BeginFamily("energy_joules", MetricType.Counter, "Energy.");
        w.WriteSample(Node, 1234567.25);
    }

    private static void SecondGroup(ExpositionWriter w)
    {
        w.BeginFamily("latency_seconds", MetricType.Histogram, "Latency.");
        for (var i = 0; i < 50; i++)
        {
            w.WriteHistogram(Node, [0.1, 0.5, 1], [i, 2 * i, 3 * i], 4 * i, i * 0.25);
        }

        w.BeginFamily("kpi_seconds", MetricType.Summary, "Quantiles.");
        w.WriteSummary(Node, LabelSet.Empty, LabelSet.Empty, [(0.5, 0.2), (0.99, 0.9)], 10, 3);
    }
}
