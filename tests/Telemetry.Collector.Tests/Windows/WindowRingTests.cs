using Telemetry.Collector.Windows;

namespace Telemetry.Collector.Tests.Windows;

public sealed class WindowRingTests
{
    private static Accumulation Energy(double joules) => new() { EnergyJoules = joules };

    [Fact]
    public void An_increment_is_spread_over_the_seconds_it_covers_in_proportion()
    {
        var ring = new WindowRing(60);
        // 10 J measured over [1.5 s, 3.5 s): 2.5 J in second 1, 5 J in second 2, 2.5 J in second 3.
        ring.Add(1500, 3500, Energy(10));

        Assert.Equal(2.5, ring.Sum(2, 1).EnergyJoules, 9);
        Assert.Equal(5, ring.Sum(3, 1).EnergyJoules, 9);
        Assert.Equal(2.5, ring.Sum(4, 1).EnergyJoules, 9);
        Assert.Equal(10, ring.Sum(10, 10).EnergyJoules, 9);
        Assert.Equal(2, ring.FirstFullSecond); // second 1 is only half covered
    }

    [Fact]
    public void A_zero_span_lands_in_the_second_of_its_end()
    {
        var ring = new WindowRing(60);
        ring.Add(5000, 5000, Energy(3));
        Assert.Equal(3, ring.Sum(5, 1).EnergyJoules);
        Assert.Equal(0, ring.Sum(6, 1).EnergyJoules);
    }

    [Fact]
    public void Seconds_older_than_the_ring_are_dropped_and_reported()
    {
        var ring = new WindowRing(10);
        ring.Add(100_000, 101_000, Energy(1));
        // Second 80 is more than 10 s older than second 100: it cannot be placed.
        var dropped = ring.Add(80_000, 81_000, Energy(7));
        Assert.Equal(1, dropped);
        Assert.Equal(1, ring.Sum(101, 10).EnergyJoules);
    }

    [Fact]
    public void Old_slots_are_recycled_not_added_to()
    {
        var ring = new WindowRing(10);
        ring.Add(1000, 2000, Energy(5));
        ring.Add(11_000, 12_000, Energy(2)); // same slot index as second 1, ten seconds later
        Assert.Equal(2, ring.Sum(12, 10).EnergyJoules);
        Assert.Equal(0, ring.Sum(2, 1).EnergyJoules);
    }

    [Fact]
    public void A_long_gap_spread_keeps_only_what_fits_and_reports_the_rest()
    {
        var ring = new WindowRing(10);
        var dropped = ring.Add(0, 20_000, Energy(20)); // 20 s at 1 J/s, ring holds 10 s
        Assert.Equal(0.5, dropped, 9);
        Assert.Equal(10, ring.Sum(20, 10).EnergyJoules, 9);
    }

    [Fact]
    public void A_young_scope_starts_where_its_latest_input_starts()
    {
        var ring = new WindowRing(60);
        Assert.Null(ring.FirstFullSecond);
        ring.Add(10_000, 11_000, Energy(1));
        ring.NoteInputStart(10_300); // a server's tokens only from 10.3 s on
        Assert.Equal(11, ring.FirstFullSecond);
        ring.NoteInputStart(9_000); // an earlier start does not move it back
        Assert.Equal(11, ring.FirstFullSecond);
    }
}
