using Telemetry.Collector.State;

namespace Telemetry.Collector.Tests.State;

public sealed class ClockOffsetEstimatorTests
{
    [Fact]
    public void A_slow_transit_is_not_mistaken_for_skew()
    {
        var e = new ClockOffsetEstimator();
        Assert.Equal(0, e.Observe(receivedMs: 10_050, sentMs: 10_000));
        // One report queued 3 s in an overloaded collector: still no skew, because another saw 50 ms.
        Assert.Equal(0, e.Observe(receivedMs: 14_000, sentMs: 11_000));
    }

    [Fact]
    public void An_agent_clock_minutes_behind_is_measured()
    {
        var e = new ClockOffsetEstimator();
        var offset = 0L;
        for (var i = 0; i < 5; i++)
        {
            offset = e.Observe(receivedMs: 400_000 + (i * 1000) + 20 + (i % 2 * 200), sentMs: 100_000 + (i * 1000));
        }

        Assert.Equal(300_020, offset);
    }

    [Fact]
    public void A_clock_step_back_is_followed_once_the_old_readings_age_out()
    {
        var e = new ClockOffsetEstimator();
        for (var i = 0; i < ClockOffsetEstimator.Window; i++)
        {
            e.Observe(1_000_000 + (i * 1000), 1_000_000 + (i * 1000) - 10); // in sync
        }

        // The agent's clock steps 60 s back. Until the in-sync readings age out the minimum still
        // says "in sync"; then the new offset takes over.
        var offsets = new List<long>();
        for (var i = 0; i < ClockOffsetEstimator.Window; i++)
        {
            offsets.Add(e.Observe(2_000_000 + (i * 1000), 2_000_000 + (i * 1000) - 60_010));
        }

        Assert.All(offsets.Take(ClockOffsetEstimator.Window - 1), o => Assert.Equal(0, o));
        Assert.Equal(60_010, offsets[^1]);
    }

    [Fact]
    public void A_clock_step_forward_is_followed_at_once()
    {
        var e = new ClockOffsetEstimator();
        e.Observe(1_000_000, 1_000_000 - 60_000); // agent 60 s behind
        Assert.Equal(0, e.Observe(1_001_000, 1_001_000 - 5)); // corrected by NTP
    }
}
