using Telemetry.Agent.Power.Sysfs;

namespace Telemetry.Agent.Tests.Power.Sysfs;

public sealed class WrappingCounterTests
{
    [Fact]
    public void Follows_increases_and_counts_wraps_with_the_powercap_formula()
    {
        var counter = new WrappingCounter(maxRange: 1000);

        Assert.Equal(900, counter.Observe(900));
        Assert.Equal(950, counter.Observe(950));
        Assert.Equal(1100, counter.Observe(100)); // 100 + (1000 - 950)
        Assert.Equal(1100, counter.Observe(100));
        Assert.Equal(1, counter.Wraps);
    }
}
