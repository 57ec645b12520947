using Telemetry.Agent.Reporting;

namespace Telemetry.Agent.Tests.Reporting;

public sealed class CounterTrackerTests
{
    [Fact]
    public void The_first_reading_has_no_increase_and_later_ones_the_difference()
    {
        var t = new CounterTracker();
        var first = t.Observe("k", 1000, 5);
        Assert.Equal((1000.0, 0.0, 5L), (first.Total, first.Delta, first.Epoch));
        var next = t.Observe("k", 1250, 6);
        Assert.Equal((1250.0, 250.0, 5L), (next.Total, next.Delta, next.Epoch));
    }

    [Fact]
    public void A_value_going_down_is_a_reset_with_a_new_epoch_counting_from_zero()
    {
        var t = new CounterTracker();
        t.Observe("k", 1000, 5);
        var reset = t.Observe("k", 40, 9);
        Assert.Equal((40.0, 40.0, 9L), (reset.Total, reset.Delta, reset.Epoch));
        var after = t.Observe("k", 50, 10);
        Assert.Equal((10.0, 9L), (after.Delta, after.Epoch));
    }

    [Fact]
    public void Keys_are_independent()
    {
        var t = new CounterTracker();
        t.Observe("a", 10, 1);
        t.Observe("b", 100, 1);
        Assert.Equal(5, t.Observe("a", 15, 2).Delta);
        Assert.Equal(1, t.Observe("b", 101, 2).Delta);
    }
}
