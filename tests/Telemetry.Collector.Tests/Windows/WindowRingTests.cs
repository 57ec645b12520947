using Telemetry.Collector.Configuration;
using Telemetry.Collector.Windows;

namespace Telemetry.Collector.Tests.Windows;

public sealed class WindowRingTests
{
    private static Accumulation Energy(double joules) => new() { EnergyJoules = joules };

    [Fact]
    public void An_increment_is_spread_over_the_seconds_it_covers_in_proportion()
    {
        var ring = new WindowRing(slotSeconds: 1, windowSlots: 60);
        // 10 J measured over [1.5 s, 3.5 s): 2.5 J in second 1, 5 J in second 2, 2.5 J in second 3.
        ring.Add(1500, 3500, Energy(10));

        Assert.Equal(2.5, ring.Sum(2, 1).EnergyJoules, 9);
        Assert.Equal(5, ring.Sum(3, 1).EnergyJoules, 9);
        Assert.Equal(2.5, ring.Sum(4, 1).EnergyJoules, 9);
        Assert.Equal(10, ring.Sum(10, 10).EnergyJoules, 9);
    }

    [Fact]
    public void Wider_slots_collect_whole_multiples_of_their_width()
    {
        var ring = new WindowRing(slotSeconds: 120, windowSlots: 30); // a 1-h window
        ring.Add(0, 240_000, Energy(240)); // 1 J/s for 4 minutes
        Assert.Equal(120, ring.Sum(1, 1).EnergyJoules, 9);
        Assert.Equal(240, ring.Sum(2, 2).EnergyJoules, 9);
        Assert.Equal(1, ring.EndSlot(120_000 + 119_999));
    }

    [Fact]
    public void A_zero_span_lands_in_the_slot_of_its_end()
    {
        var ring = new WindowRing(1, 60);
        ring.Add(5000, 5000, Energy(3));
        Assert.Equal(3, ring.Sum(5, 1).EnergyJoules);
        Assert.Equal(0, ring.Sum(6, 1).EnergyJoules);
    }

    [Fact]
    public void Slots_older_than_the_ring_are_dropped_and_reported()
    {
        var ring = new WindowRing(1, 10); // holds 10 + slack slots
        ring.Add(100_000, 101_000, Energy(1));
        var dropped = ring.Add(80_000, 81_000, Energy(7));
        Assert.Equal(1, dropped);
        Assert.Equal(1, ring.Sum(101, 10).EnergyJoules);
    }

    [Fact]
    public void Old_slots_are_recycled_not_added_to()
    {
        var ring = new WindowRing(1, 10 - WindowRing.SlackSlots); // exactly 10 slots in all
        ring.Add(1000, 2000, Energy(5));
        ring.Add(11_000, 12_000, Energy(2)); // same slot index as second 1, ten seconds later
        Assert.Equal(2, ring.Sum(12, 10).EnergyJoules);
        Assert.Equal(0, ring.Sum(2, 1).EnergyJoules);
    }

    [Fact]
    public void A_long_gap_spread_keeps_only_what_fits_and_reports_the_rest()
    {
        var ring = new WindowRing(1, 10 - WindowRing.SlackSlots);
        var dropped = ring.Add(0, 20_000, Energy(20)); // 20 s at 1 J/s, ring holds 10 s
        Assert.Equal(0.5, dropped, 9);
        Assert.Equal(10, ring.Sum(20, 10).EnergyJoules, 9);
    }
}

public sealed class ScopeWindowsTests
{
    private static readonly WindowDuration[] Windows = [new("10s", 10), new("1h", 3600)];

    [Theory]
    [InlineData(10, 1)]
    [InlineData(60, 2)]
    [InlineData(300, 10)]
    [InlineData(900, 30)]
    [InlineData(3600, 120)]
    [InlineData(90, 3)]
    [InlineData(7, 1)]
    public void Slots_are_about_a_thirtieth_of_the_window_and_divide_it(int seconds, int slot) =>
        Assert.Equal(slot, new WindowDuration("w", seconds).SlotSeconds);

    [Fact]
    public void A_young_scope_starts_at_the_first_whole_slot_where_all_inputs_have_data()
    {
        var w = new ScopeWindows(Windows);
        Assert.Equal(0, w.Read(0, 100_000).CoveredSeconds);
        w.Add(10_500, 11_500, new Accumulation { EnergyJoules = 1 });
        w.NoteInputStart(10_700); // a server's tokens only from 10.7 s on
        w.Add(11_500, 20_500, new Accumulation { EnergyJoules = 9 });
        var (sum, covered) = w.Read(0, 20_000);
        Assert.Equal(9, covered); // seconds 11..19: second 10 is not whole
        Assert.Equal(9, sum.EnergyJoules, 9);
    }

    [Fact]
    public void Each_window_ends_at_its_own_slot_edge()
    {
        var w = new ScopeWindows(Windows);
        w.Add(0, 7_205_500, new Accumulation { OutputTokens = 7205.5 }); // 1 token/s for 2 h
        var (tenSeconds, c10) = w.Read(0, 7_205_500);
        var (hour, c3600) = w.Read(1, 7_205_500);
        Assert.Equal((10.0, 10.0), (tenSeconds.OutputTokens, c10));
        Assert.Equal(3600, c3600);
        Assert.Equal(3600, hour.OutputTokens, 6); // ends at 7,200 s (a 120-s edge), not 7,205 s
    }

    [Fact]
    public void A_single_precision_ring_sums_what_a_double_ring_sums_within_a_millionth()
    {
        var doubles = new WindowRing(slotSeconds: 2, windowSlots: 30);
        var singles = new WindowRing(slotSeconds: 2, windowSlots: 30, singlePrecision: true);
        var random = new Random(11);
        for (var t = 0L; t < 60_000; t += 1_000) // one node's reports: 1 s apart, slot edges not aligned to them
        {
            var value = new Accumulation
            {
                InputTokens = random.Next(0, 20_000),
                OutputTokens = random.NextDouble() * 5_000,
                EnergyJoules = 700 + (random.NextDouble() * 5_600),
                EnergyCostUsd = random.NextDouble() * 1e-4,
                GpuSeconds = 8,
                IdleEnergyJoules = random.NextDouble() < 0.5 ? 0 : 123.456789,
            };
            doubles.Add(t + 300, t + 1_300, value);
            singles.Add(t + 300, t + 1_300, value);
        }

        var end = doubles.EndSlot(61_300);
        var exact = doubles.Sum(end, 30);
        var single = singles.Sum(end, 30);
        Assert.True(exact.EnergyJoules > 0 && exact.IdleEnergyJoules > 0);
        foreach (var (a, b) in (ReadOnlySpan<(double, double)>)[(exact.InputTokens, single.InputTokens), (exact.OutputTokens, single.OutputTokens),
            (exact.EnergyJoules, single.EnergyJoules), (exact.EnergyCostUsd, single.EnergyCostUsd), (exact.GpuSeconds, single.GpuSeconds), (exact.IdleEnergyJoules, single.IdleEnergyJoules)])
        {
            Assert.InRange(Math.Abs(a - b) / a, 0, 1e-6);
        }

        Assert.Equal(0, single.UnpricedEnergyJoules); // zero stays exactly zero: withheld KPIs depend on it
    }
}
