namespace Telemetry.Exposition.Tests.Caching;

public sealed class RenderBufferPoolTests
{
    [Fact]
    public void Only_the_two_largest_returned_arrays_are_kept_and_reused()
    {
        var pool = new RenderBufferPool();
        var small = pool.Rent(1000);
        var middle = pool.Rent(4000);
        var large = pool.Rent(8000);
        Assert.InRange(small.Length, 1000, 1125); // exact size plus 1/8 headroom, not a power of two
        pool.Return(small);
        pool.Return(middle);
        pool.Return(large);

        Assert.Same(middle, pool.Rent(3000)); // the smallest that fits, leaving the largest for the larger block...
        Assert.Same(large, pool.Rent(7000));
        Assert.NotSame(small, pool.Rent(1000)); // ...and the smallest one let go
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
    public void An_array_far_larger_than_asked_for_is_let_go_for_a_right_sized_one()
    {
        var pool = new RenderBufferPool();
        var grown = pool.Rent(10_000); // e.g. what a first render's doubling growth left
        pool.Return(grown);

        var rightSized = pool.Rent(4_000);

        Assert.NotSame(grown, rightSized);
        Assert.InRange(rightSized.Length, 4_000, 4_500);
        pool.Return(rightSized);
        Assert.Same(rightSized, pool.Rent(4_000)); // the right-sized one is kept and reused
        Assert.NotSame(grown, pool.Rent(9_000)); // the large one is gone
    }
}
