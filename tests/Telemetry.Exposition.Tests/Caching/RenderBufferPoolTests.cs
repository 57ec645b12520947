namespace Telemetry.Exposition.Tests.Caching;

public sealed class RenderBufferPoolTests
{
    [Fact]
    public void Only_the_two_most_recently_returned_arrays_are_kept_and_reused()
    {
        var pool = new RenderBufferPool();
        var small = pool.Rent(1000);
        var middle = pool.Rent(4000);
        var large = pool.Rent(8000);
        Assert.InRange(small.Length, 1000, 1015); // exact size plus 1/64 headroom, not a power of two
        pool.Return(small);
        pool.Return(middle);
        pool.Return(large);

        Assert.Same(middle, pool.Rent(3700)); // one that fits without being far too large, leaving the largest for the larger block...
        Assert.Same(large, pool.Rent(7300));
        Assert.NotSame(small, pool.Rent(1000)); // ...and the one returned longest ago let go
    }

    [Fact]
    public void A_retained_array_too_small_is_not_handed_out()
    {
        var pool = new RenderBufferPool();
        var first = pool.Rent(100);
        pool.Return(first);
        var bigger = pool.Rent(10_000);
        Assert.NotSame(first, bigger);
        Assert.True(bigger.Length >= 10_000);
        Assert.Same(first, pool.Rent(90)); // still there for a render that fits
    }

    [Fact]
    public void An_array_far_larger_than_asked_for_is_not_handed_out_and_goes_once_newer_ones_are_returned()
    {
        var pool = new RenderBufferPool();
        var grown = pool.Rent(10_000); // e.g. what a first render's doubling growth left
        pool.Return(grown);

        var first = pool.Rent(4_000);
        var second = pool.Rent(4_000);

        Assert.NotSame(grown, first);
        Assert.NotSame(grown, second);
        Assert.InRange(first.Length, 4_000, 4_062);
        pool.Return(first);
        pool.Return(second); // the two right-sized blocks replace the grown one
        var again = pool.Rent(4_000);
        Assert.True(ReferenceEquals(again, first) || ReferenceEquals(again, second), "a right-sized block is reused");
        Assert.NotSame(grown, pool.Rent(9_000));
    }

    [Fact]
    public void A_small_render_neither_takes_nor_throws_away_the_large_blocks_of_another_format()
    {
        var pool = new RenderBufferPool();
        var blockA = pool.Rent(8_000);
        var blockB = pool.Rent(7_000);
        pool.Return(blockA);
        pool.Return(blockB);

        var small = pool.Rent(100); // another format's first render, starting small
        Assert.NotSame(blockA, small);
        Assert.NotSame(blockB, small);

        Assert.Same(blockB, pool.Rent(7_000)); // both large blocks are still there for the next large render
        Assert.Same(blockA, pool.Rent(8_000));
    }

    [Fact]
    public void A_writer_started_from_an_earlier_render_size_grows_by_an_eighth_once_and_one_started_small_doubles()
    {
        var hinted = RentedSizes(initialCapacity: 2 << 20, write: (2 << 20) + 1000);
        Assert.Equal(2 << 20, hinted[0]);
        Assert.InRange(hinted[1], (2 << 20) + (2 << 17), (2 << 20) + (2 << 17) + 64); // + 1/8, not twice the block
        Assert.Equal(2, hinted.Count);

        var outgrown = RentedSizes(initialCapacity: 2 << 20, write: 6 << 20); // a body three times its hint
        Assert.Equal(4, outgrown.Count); // 2 MB, 2.25 MB, then doubling: 4.5 MB, 9 MB — not ten eighth-steps
        Assert.InRange(outgrown[2], 2 * outgrown[1], (2 * outgrown[1]) + 64);

        var small = RentedSizes(initialCapacity: 64 << 10, write: 300 << 10);
        Assert.Equal([64 << 10, 128 << 10, 256 << 10, 512 << 10], small);
    }

    private static List<int> RentedSizes(int initialCapacity, int write)
    {
        var pool = new SizeRecordingPool();
        using var w = new ExpositionWriter(ExpositionFormat.PrometheusText004, initialCapacity, pool);
        w.BeginFamily("x", MetricType.Gauge, "x");
        var labels = LabelSet.Of(new Label("node", new string('n', 100)));
        while (w.WrittenMemory.Length < write)
        {
            w.WriteSample(labels, 1);
        }

        return pool.Sizes;
    }

    private sealed class SizeRecordingPool : System.Buffers.ArrayPool<byte>
    {
        public List<int> Sizes { get; } = [];

        public override byte[] Rent(int minimumLength)
        {
            Sizes.Add(minimumLength);
            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
        }
    }
}
