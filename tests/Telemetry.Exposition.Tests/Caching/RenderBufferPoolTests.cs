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
        Assert.Same(large, pool.Rent(3000));
        Assert.NotSame(small, pool.Rent(10)); // ...and the smallest one let go
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
        Assert.Same(first, pool.Rent(50)); // still there for a render that fits
    }
}
