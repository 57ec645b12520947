using Telemetry.Agent.Power.Integration;

namespace Telemetry.Agent.Tests.Power.Integration;

public sealed class TrapezoidIntegratorTests
{
    [Fact]
    public void Linear_ramp_is_integrated_exactly()
    {
        var integrator = new TrapezoidIntegrator(maxGapSeconds: 1);
        for (var i = 0; i <= 100; i++)
        {
            var t = i * 0.1;
            integrator.Add(t, 100 + (10 * t)); // 100 W rising 10 W/s for 10 s: 1000 + 500 J
        }

        Assert.Equal(1500.0, integrator.Joules, precision: 9);
        Assert.Equal(10.0, integrator.CoveredSeconds, precision: 9);
        Assert.Equal(101, integrator.Samples);
    }

    [Fact]
    public void Missing_sample_and_long_gap_are_not_bridged()
    {
        var integrator = new TrapezoidIntegrator(maxGapSeconds: 1);
        integrator.Add(0, 100);
        integrator.Add(0.5, 100);   // +50 J
        integrator.Add(1.0, null);  // device did not answer: [0.5, 1.0] unknown
        integrator.Add(1.5, 100);   // restarts the chain
        integrator.Add(2.0, 100);   // +50 J
        integrator.Add(5.0, 100);   // a 3-s gap: not bridged
        integrator.Add(5.5, double.NaN); // nonsense counts as missing
        integrator.Add(6.0, 100);

        Assert.Equal(100.0, integrator.Joules);
        Assert.Equal(1.0, integrator.CoveredSeconds);
    }

    [Fact]
    public void Time_going_backwards_adds_nothing()
    {
        var integrator = new TrapezoidIntegrator(maxGapSeconds: 1);
        integrator.Add(1.0, 200);
        integrator.Add(0.5, 200);
        integrator.Add(1.5, 200);

        Assert.Equal(100.0, integrator.Joules);
    }
}
