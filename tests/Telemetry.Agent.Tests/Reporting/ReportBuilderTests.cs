using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Servers;
using Telemetry.Scraping.Engines;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Reporting;

public sealed class ReportBuilderTests
{
    private static GpuReading Gpu(uint index, double energy, bool lost = false) => new()
    {
        Index = index,
        Uuid = $"GPU-{index}",
        Name = "NVIDIA H100 80GB HBM3",
        Source = "nvml",
        Method = EnergyMethod.Counter,
        EnergyJoules = energy,
        PowerWatts = 300,
        Lost = lost,
    };

    private static ServerReading Tokens(double input, double output) => new(new EngineReading("vllm", "http://x/metrics",
    [
        new StreamReading { Model = "m", Labels = new Dictionary<string, string> { ["engine"] = "0" }, InputTokens = input, OutputTokens = output },
    ]), null);

    private static AgentOptions Options(params ServerOptions[] servers) => new() { Node = "n1", Site = "s", Pool = "p", Servers = [.. servers] };

    [Fact]
    public void Server_energy_is_the_sum_of_the_energy_increases_of_its_gpus()
    {
        var a = new ServerOptions { Name = "a", Gpus = ["0", "GPU-1"] };
        var b = new ServerOptions { Name = "b", Gpus = ["2"] };
        var builder = new ReportBuilder(Options(a, b), startMs: 1);
        builder.Build(1000, new PowerReading([Gpu(0, 100), Gpu(1, 200), Gpu(2, 300)], []), [(a, Tokens(0, 0)), (b, Tokens(0, 0))]);
        var r = builder.Build(2000, new PowerReading([Gpu(0, 150), Gpu(1, 260), Gpu(2, 310)], []), [(a, Tokens(10, 20)), (b, Tokens(1, 2))]);

        Assert.Equal(2UL, r.Sequence);
        Assert.Equal(1000, r.PreviousSampleTimeUnixMs);
        var sa = r.Servers.Single(s => s.Name == "a");
        var sb = r.Servers.Single(s => s.Name == "b");
        Assert.Equal(["GPU-0", "GPU-1"], sa.GpuUuids);
        Assert.Equal(110, sa.EnergyJoules.Delta);
        Assert.Equal(110, sa.EnergyJoules.Total);
        Assert.Equal(10, sb.EnergyJoules.Delta);
        Assert.Equal(20, sa.Streams[0].OutputTokens.Delta);
        Assert.Equal("0", sa.Streams[0].Labels["engine"]);
    }

    [Fact]
    public void A_single_server_without_configured_gpus_gets_all_of_them()
    {
        var a = new ServerOptions { Name = "a" };
        var builder = new ReportBuilder(Options(a), 1);
        var r = builder.Build(1000, new PowerReading([Gpu(0, 1), Gpu(1, 1)], []), [(a, Tokens(0, 0))]);
        Assert.Equal(["GPU-0", "GPU-1"], r.Servers[0].GpuUuids);
    }

    [Fact]
    public void Several_servers_without_configured_gpus_get_none()
    {
        var a = new ServerOptions { Name = "a" };
        var b = new ServerOptions { Name = "b" };
        var r = new ReportBuilder(Options(a, b), 1).Build(1000, new PowerReading([Gpu(0, 1)], []), [(a, Tokens(0, 0)), (b, Tokens(0, 0))]);
        Assert.Empty(r.Servers[0].GpuUuids);
        Assert.Empty(r.Servers[1].GpuUuids);
    }

    [Fact]
    public void Gpu_clocks_travel_in_hertz_and_unknown_or_non_finite_ones_are_omitted()
    {
        var a = new ServerOptions { Name = "a" };
        var clocked = Gpu(0, 1) with { Clocks = new GpuClocks(1395e6, 1410e6, 1593e6, double.NaN, 1980e6, null) };
        var r = new ReportBuilder(Options(a), 1).Build(1000, new PowerReading([clocked, Gpu(1, 1)], []), [(a, Tokens(0, 0))]);

        var g = r.Gpus[0];
        Assert.Equal((1395e6, 1410e6, 1593e6, 1980e6), (g.GraphicsClockHertz, g.SmClockHertz, g.MemoryClockHertz, g.SmClockMaxHertz));
        Assert.False(g.HasGraphicsClockMaxHertz); // NaN from the source: omitted, not sent
        Assert.False(g.HasMemoryClockMaxHertz);
        Assert.False(r.Gpus[1].HasSmClockHertz || r.Gpus[1].HasSmClockMaxHertz); // a source without clocks sends none
    }

    [Fact]
    public void A_lost_gpu_carries_no_energy_and_adds_none_to_its_server()
    {
        var a = new ServerOptions { Name = "a" };
        var builder = new ReportBuilder(Options(a), 1);
        builder.Build(1000, new PowerReading([Gpu(0, 100)], []), [(a, Tokens(0, 0))]);
        var r = builder.Build(2000, new PowerReading([Gpu(0, 0, lost: true)], ["nvml: GPU 0 is lost"]), [(a, Tokens(0, 0))]);
        Assert.True(r.Gpus[0].Lost);
        Assert.Null(r.Gpus[0].EnergyJoules);
        Assert.Equal(0, r.Servers[0].EnergyJoules.Delta);
        Assert.Contains("nvml: GPU 0 is lost", r.SourceErrors);
    }

    [Fact]
    public void Values_that_are_not_finite_never_reach_the_wire()
    {
        var a = new ServerOptions { Name = "a" };
        var gpu = Gpu(0, double.NaN) with { PowerWatts = double.PositiveInfinity };
        var r = new ReportBuilder(Options(a), 1).Build(1000, new PowerReading([gpu], []), [(a, Tokens(-5, double.NaN))]);
        Assert.Null(r.Gpus[0].EnergyJoules);
        Assert.False(r.Gpus[0].HasPowerWatts);
        Assert.Null(r.Servers[0].Streams[0].InputTokens);
        Assert.Null(r.Servers[0].Streams[0].OutputTokens);
        Assert.Equal(3, r.SourceErrors.Count);
    }

    [Fact]
    public void An_unreachable_server_is_reported_down_with_its_error()
    {
        var a = new ServerOptions { Name = "a", Engine = "vllm" };
        var r = new ReportBuilder(Options(a), 1).Build(1000, new PowerReading([], []), [(a, new ServerReading(null, "connection refused"))]);
        Assert.False(r.Servers[0].Up);
        Assert.Equal("connection refused", r.Servers[0].Error);
        Assert.Equal("vllm", r.Servers[0].Engine);
        Assert.Contains("server a: connection refused", r.SourceErrors);
    }

    [Fact]
    public void Each_server_carries_the_time_of_its_own_scrape_and_the_previous_one()
    {
        var a = new ServerOptions { Name = "a" };
        var builder = new ReportBuilder(Options(a), 1);
        var first = builder.Build(1000, new PowerReading([], []), [(a, Tokens(0, 0) with { ReadMs = 1400 })]);
        var down = builder.Build(2000, new PowerReading([], []), [(a, new ServerReading(null, "timeout"))]);
        var back = builder.Build(3000, new PowerReading([], []), [(a, Tokens(5, 9) with { ReadMs = 3300 })]);
        Assert.Equal((1400L, 0L), (first.Servers[0].SampleTimeUnixMs, first.Servers[0].PreviousSampleTimeUnixMs));
        Assert.Equal(0, down.Servers[0].SampleTimeUnixMs);
        // Tokens produced while the server could not be read are spread from its last good read.
        Assert.Equal((3300L, 1400L), (back.Servers[0].SampleTimeUnixMs, back.Servers[0].PreviousSampleTimeUnixMs));
        Assert.Equal(9, back.Servers[0].Streams[0].OutputTokens.Delta);
    }
}
