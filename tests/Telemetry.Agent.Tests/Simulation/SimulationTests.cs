using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Servers;
using Telemetry.Agent.Simulation;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Tests.Simulation;

public sealed class SimulationTests
{
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Simulated_energy_is_the_integral_of_the_simulated_power()
    {
        var start = DateTimeOffset.UnixEpoch.AddDays(20000);
        var time = new ManualTime(start);
        var source = new SimulatedPowerSource(new SimulatedWorkload(start), gpus: 2, "Simulated H100", time);
        source.Read();
        time.Now = start.AddSeconds(60);
        var reading = source.Read();

        // Independent check: a fine Riemann sum of the same curve.
        double expected = 0;
        for (var t = 0.0005; t < 60; t += 0.001)
        {
            expected += SimulatedWorkload.PowerWatts(t, 1) * 0.001;
        }

        Assert.Equal(expected, reading.Gpus[0].EnergyJoules!.Value, expected * 1e-6);
        Assert.True(reading.Gpus[1].EnergyJoules > reading.Gpus[0].EnergyJoules, "GPUs differ slightly");
        Assert.All(reading.Gpus, g => Assert.StartsWith("Simulated", g.Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_simulated_engine_counts_tokens_that_follow_the_load()
    {
        var start = DateTimeOffset.UnixEpoch.AddDays(20000);
        var time = new ManualTime(start);
        var engine = new SimulatedServerSource(new ServerOptions { Name = "demo", Engine = "simulated" }, new SimulatedWorkload(start), time);
        time.Now = start.AddSeconds(30);
        var first = (await engine.ReadAsync(default)).Reading!.Streams[0];
        time.Now = start.AddSeconds(60);
        var second = (await engine.ReadAsync(default)).Reading!.Streams[0];

        var expected = SimulatedWorkload.Integrate(SimulatedWorkload.OutputTokensPerSecond, 30, 60);
        Assert.Equal(expected, second.OutputTokens!.Value - first.OutputTokens!.Value, 1.0);
        Assert.Equal(SimulatedWorkload.InputPerOutputToken * second.OutputTokens!.Value, second.InputTokens!.Value, 3.0);
        var ttft = second.Histograms[HistogramNames.Ttft];
        Assert.True(ttft.Count > 0);
        Assert.True(ttft.CumulativeCounts.Zip(ttft.CumulativeCounts.Skip(1)).All(p => p.First <= p.Second), "buckets are cumulative");
        Assert.True(ttft.CumulativeCounts[^1] <= ttft.Count);
    }

    [Fact]
    public void Load_stays_within_bounds()
    {
        for (var t = 0.0; t < 3600; t += 0.37)
        {
            var load = SimulatedWorkload.Load(t);
            Assert.InRange(load, 0.05, 1);
        }
    }
}
