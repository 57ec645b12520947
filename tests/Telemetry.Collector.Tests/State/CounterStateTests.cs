using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.State;

public sealed class CounterStateTests
{
    private static Counter C(double total, double delta, long epoch = 1) => new() { Total = total, Delta = delta, Epoch = epoch };

    [Fact]
    public void In_sequence_the_agents_delta_is_used()
    {
        var s = default(CounterState);
        Assert.Equal(0, s.Advance(C(100, 0), contiguous: true));
        Assert.Equal(7, s.Advance(C(107, 7), contiguous: true));
    }

    [Fact]
    public void After_a_gap_the_increment_is_recovered_from_cumulative_values()
    {
        var s = default(CounterState);
        s.Advance(C(100, 0), contiguous: true);
        // Reports 2..4 were lost; report 5 carries only its own delta of 5, but the counter says 40 more.
        Assert.Equal(40, s.Advance(C(140, 5), contiguous: false));
    }

    [Fact]
    public void A_reset_inside_a_gap_counts_from_zero_as_prometheus_does()
    {
        var s = default(CounterState);
        s.Advance(C(100, 0, epoch: 1), contiguous: true);
        Assert.Equal(30, s.Advance(C(30, 30, epoch: 2), contiguous: false));
    }

    [Fact]
    public void A_new_epoch_with_a_higher_value_after_a_gap_still_counts_from_zero()
    {
        var s = default(CounterState);
        s.Advance(C(100, 0, epoch: 1), contiguous: true);
        Assert.Equal(150, s.Advance(C(150, 150, epoch: 2), contiguous: false));
    }

    [Fact]
    public void A_missing_counter_adds_nothing_and_keeps_state()
    {
        var s = default(CounterState);
        s.Advance(C(10, 0), contiguous: true);
        Assert.Equal(0, s.Advance(null, contiguous: true));
        Assert.Equal(10, s.Total);
    }
}
