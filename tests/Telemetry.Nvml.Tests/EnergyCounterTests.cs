using System.Diagnostics;
using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>
/// Why the agent reads the energy counter instead of integrating power samples: on a spiky load,
/// once-a-second power samples miss the spikes while the counter integrates them (reference 2.1, 2.2).
/// </summary>
[Collection(SharedFakeNvml.Name)]
public sealed class EnergyCounterTests
{
    // 100 W baseline, 400 W for the last 0.2 s of every 1 s period: 0.8 x 100 + 0.2 x 400 = 160 J per period.
    private const string SpikyTrace = """
        device0.period_s=1.0
        device0.trace=0:100,0.8:400
        """;

    private const double TrueJoulesPerPeriod = 160.0;

    [Fact]
    public void Counter_delta_over_ten_seconds_is_the_exact_integral_of_the_trace()
    {
        FakeNvml.Configure(SpikyTrace);
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        FakeNvml.SetTime(0);
        var start = device.ReadEnergyJoules().Value;
        FakeNvml.SetTime(10);
        var end = device.ReadEnergyJoules().Value;

        Assert.Equal(10 * TrueJoulesPerPeriod, end - start);
    }

    [Fact]
    public void Counter_tracks_a_reference_integral_at_every_update_boundary()
    {
        FakeNvml.Configure(SpikyTrace);
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        for (var step = 0; step <= 100; step++)
        {
            var seconds = step / 10.0;
            FakeNvml.SetTime(seconds);

            var energy = device.ReadEnergyJoules();

            Assert.Equal(NvmlReturn.Success, energy.Status);
            Assert.Equal(ReferenceIntegralJoules(seconds), energy.Value, precision: 9);
        }
    }

    [Fact]
    public void Sampling_instantaneous_power_once_a_second_misses_the_spikes()
    {
        FakeNvml.Configure(SpikyTrace);
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);
        var trueJoules = 10 * TrueJoulesPerPeriod;

        FakeNvml.SetTime(0);
        var counterStart = device.ReadEnergyJoules().Value;
        var sampledJoules = 0.0;
        for (var second = 0; second < 10; second++)
        {
            FakeNvml.SetTime(second + 0.5); // a poller's phase that never lands in a spike
            sampledJoules += device.ReadPowerWatts().Value * 1.0;
        }

        FakeNvml.SetTime(10);
        var counterJoules = device.ReadEnergyJoules().Value - counterStart;

        Assert.True(Math.Abs(sampledJoules - trueJoules) / trueJoules > 0.30, $"sampled estimate {sampledJoules} J should miss the spikes");
        Assert.True(Math.Abs(counterJoules - trueJoules) / trueJoules < 0.005, $"counter {counterJoules} J should match {trueJoules} J");
    }

    [Fact]
    public void Counter_holds_its_value_between_100_ms_driver_updates()
    {
        FakeNvml.Configure("device0.power_w=100");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        FakeNvml.SetTime(0.15);
        Assert.Equal(10.0, device.ReadEnergyJoules().Value);
        FakeNvml.SetTime(0.2);
        Assert.Equal(20.0, device.ReadEnergyJoules().Value);
    }

    [Fact]
    public void Update_period_zero_makes_the_counter_continuous()
    {
        FakeNvml.Configure("energy_update_ms=0\ndevice0.power_w=100");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        FakeNvml.SetTime(0.15);

        Assert.Equal(15.0, device.ReadEnergyJoules().Value);
    }

    [Fact]
    public void Real_clock_counter_advances_at_the_configured_power()
    {
        var sinceOrigin = Stopwatch.StartNew(); // started before the fake's origin (the config load)
        FakeNvml.Configure("device0.power_w=100");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        var before = device.ReadEnergyJoules().Value;
        Thread.Sleep(300);
        var after = device.ReadEnergyJoules().Value;
        var upperBoundJoules = 100.0 * sinceOrigin.Elapsed.TotalSeconds;

        // At least two 100 ms updates happened; the counter cannot exceed power x time since its origin.
        Assert.InRange(after - before, 10.0, upperBoundJoules);
    }

    /// <summary>The trace integral at the last 100 ms boundary, computed the obvious way.</summary>
    private static double ReferenceIntegralJoules(double seconds)
    {
        var updateBoundary = Math.Floor((seconds * 10) + 1e-9) / 10;
        var periods = Math.Floor(updateBoundary + 1e-9);
        var phase = updateBoundary - periods;
        var partial = Math.Min(phase, 0.8) * 100 + Math.Max(phase - 0.8, 0) * 400;
        return (periods * TrueJoulesPerPeriod) + partial;
    }
}
