using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Servers;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Tests.Reporting;

/// <summary>Shared-GPU energy split and engine-restart epochs, as they reach the wire.</summary>
public sealed class ReportBuilderEnginesTests
{
    private static GpuReading Gpu(uint index, double energy) => new()
    {
        Index = index,
        Uuid = $"GPU-{index}",
        Name = "NVIDIA H100 80GB HBM3",
        Source = "nvml",
        EnergyJoules = energy,
    };

    private static ServerReading Reading(double output, double? startedAt, double ttftCount = 0) => new(new EngineReading("vllm", "u",
    [
        new StreamReading
        {
            Model = "m",
            OutputTokens = output,
            StartedAtSeconds = startedAt,
            Requests = new Dictionary<string, double> { [RequestOutcomes.Success] = ttftCount },
            Histograms = new Dictionary<string, HistogramReading> { [HistogramNames.Ttft] = new([0.1], [ttftCount], ttftCount, ttftCount * 0.05) },
        },
    ]), null);

    private static AgentOptions Options(params ServerOptions[] servers) => new() { Node = "n", Servers = [.. servers], Discovery = { ProcRoot = "" } };

    [Fact]
    public void Two_servers_on_one_gpu_share_its_energy_equally_and_nothing_is_counted_twice()
    {
        var a = new ServerOptions { Name = "a", Gpus = ["0", "1"] };
        var b = new ServerOptions { Name = "b", Gpus = ["GPU-0"] };
        var builder = new ReportBuilder(Options(a, b), 1);
        builder.Build(1000, new PowerReading([Gpu(0, 1000), Gpu(1, 500), Gpu(2, 0)], []), [(a, Reading(0, null)), (b, Reading(0, null))]);
        var r = builder.Build(2000, new PowerReading([Gpu(0, 1300), Gpu(1, 600), Gpu(2, 50)], []), [(a, Reading(10, null)), (b, Reading(1000, null))]);

        var ea = r.Servers.Single(s => s.Name == "a").EnergyJoules.Delta;
        var eb = r.Servers.Single(s => s.Name == "b").EnergyJoules.Delta;
        Assert.Equal(150 + 100, ea); // half of GPU-0's 300 J plus all of GPU-1's 100 J
        Assert.Equal(150, eb);       // the other half, whatever the servers' token counts
        Assert.Equal(300 + 100, ea + eb); // GPU-2 (no server) stays idle burn at node level
    }

    [Fact]
    public void A_new_engine_start_time_starts_a_new_epoch_even_when_counters_did_not_go_down()
    {
        var a = new ServerOptions { Name = "a" };
        var builder = new ReportBuilder(Options(a), 1);
        var power = new PowerReading([], []);
        builder.Build(1000, power, [(a, Reading(500, startedAt: 1.7e9, ttftCount: 5))]);
        var same = builder.Build(2000, power, [(a, Reading(600, startedAt: 1.7e9, ttftCount: 6))]);
        var restarted = builder.Build(3000, power, [(a, Reading(700, startedAt: 1.7e9 + 60, ttftCount: 7))]);

        var before = same.Servers[0].Streams[0];
        Assert.Equal((100.0, 1000L), (before.OutputTokens.Delta, before.OutputTokens.Epoch));
        var after = restarted.Servers[0].Streams[0];
        Assert.Equal((700.0, 3000L), (after.OutputTokens.Delta, after.OutputTokens.Epoch)); // everything since the restart
        Assert.Equal((7.0, 3000L), (after.Requests[0].Count.Delta, after.Requests[0].Count.Epoch));
        Assert.Equal((7.0, 3000L), (after.Histograms[0].Count.Delta, after.Histograms[0].Count.Epoch));
    }

    [Fact]
    public void Without_a_start_time_only_a_value_going_down_is_a_reset()
    {
        var a = new ServerOptions { Name = "a" };
        var builder = new ReportBuilder(Options(a), 1);
        var power = new PowerReading([], []);
        builder.Build(1000, power, [(a, Reading(500, null))]);
        var up = builder.Build(2000, power, [(a, Reading(600, null))]);
        var down = builder.Build(3000, power, [(a, Reading(40, null))]);
        Assert.Equal((100.0, 1000L), (up.Servers[0].Streams[0].OutputTokens.Delta, up.Servers[0].Streams[0].OutputTokens.Epoch));
        Assert.Equal((40.0, 3000L), (down.Servers[0].Streams[0].OutputTokens.Delta, down.Servers[0].Streams[0].OutputTokens.Epoch));
    }
}
