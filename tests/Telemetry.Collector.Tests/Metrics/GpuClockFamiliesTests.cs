using System.Text;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.State;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Metrics;

/// <summary>Clocks in Hz per domain on the GPU label set; unknown clocks (never sent, or a lost GPU) have no series.</summary>
public sealed class GpuClockFamiliesTests
{
    private const long T0 = 1_700_000_000_000;
    private const string Gpu0 = "node=\"n1\",site=\"s\",pool=\"p\",gpu=\"0\",gpu_uuid=\"GPU-0\",gpu_model=\"NVIDIA H100 80GB HBM3\"";

    private static string Render(params NodeReport[] reports)
    {
        var windows = new[] { new WindowDuration("10s", 10) };
        var fleet = new FleetState(windows, new CostModel(new CostOptions()));
        foreach (var r in reports)
        {
            fleet.Apply(r, r.SampleTimeUnixMs);
        }

        var w = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        GpuClockFamilies.Render(w, new SnapshotBuilder(fleet, windows, 3).Build(T0 + 3000));
        w.Finish();
        return Encoding.UTF8.GetString(w.WrittenMemory.Span);
    }

    private static NodeReport Report(ulong sequence, params GpuSample[] gpus)
    {
        var r = new NodeReport
        {
            AgentInstanceId = "i-n1",
            Sequence = sequence,
            SampleTimeUnixMs = T0 + ((long)sequence * 1000),
            SentTimeUnixMs = T0 + ((long)sequence * 1000),
            Node = "n1",
            Site = "s",
            Pool = "p",
            IntervalSeconds = 1,
        };
        r.Gpus.AddRange(gpus);
        return r;
    }

    private static GpuSample Gpu(uint index) => new() { Index = index, Uuid = $"GPU-{index}", Name = "NVIDIA H100 80GB HBM3", Source = "nvml" };

    [Fact]
    public void Each_domain_is_one_series_in_hertz_and_unsent_domains_are_absent()
    {
        var clocked = Gpu(0);
        clocked.SmClockHertz = 1410e6;
        clocked.MemoryClockHertz = 1593e6;
        clocked.SmClockMaxHertz = 1980e6;
        clocked.MemoryClockMaxHertz = 2619e6;

        var text = Render(Report(1, clocked, Gpu(1)));

        Assert.Contains("# TYPE inference_gpu_clock_hertz gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE inference_gpu_clock_max_hertz gauge\n", text, StringComparison.Ordinal);
        // Go float formatting, as client_golang writes it
        Assert.Contains($"inference_gpu_clock_hertz{{{Gpu0},clock=\"sm\"}} 1.41e+09\n", text, StringComparison.Ordinal);
        Assert.Contains($"inference_gpu_clock_hertz{{{Gpu0},clock=\"memory\"}} 1.593e+09\n", text, StringComparison.Ordinal);
        Assert.Contains($"inference_gpu_clock_max_hertz{{{Gpu0},clock=\"sm\"}} 1.98e+09\n", text, StringComparison.Ordinal);
        Assert.Contains($"inference_gpu_clock_max_hertz{{{Gpu0},clock=\"memory\"}} 2.619e+09\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("clock=\"graphics\"", text, StringComparison.Ordinal); // not sent: absent, not 0
        Assert.DoesNotContain("gpu_uuid=\"GPU-1\"", text, StringComparison.Ordinal); // a source without clocks
    }

    [Fact]
    public void A_gpu_that_stops_sending_clocks_loses_its_series()
    {
        var before = Gpu(0);
        before.SmClockHertz = 1410e6;
        before.SmClockMaxHertz = 1980e6;
        var lost = Gpu(0);
        lost.Lost = true; // GPU_IS_LOST: the agent sends no gauges

        var text = Render(Report(1, before), Report(2, lost));

        Assert.DoesNotContain("gpu_uuid=\"GPU-0\"", text, StringComparison.Ordinal);
    }
}
