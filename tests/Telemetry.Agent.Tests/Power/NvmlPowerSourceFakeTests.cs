using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Power;
using Telemetry.Agent.Tests.Power.Support;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Power;

/// <summary>NvmlPowerSource over the real P/Invoke code and the gcc-built fake libnvidia-ml.so.1.</summary>
[Collection(SharedFakeNvml.Name)]
public sealed class NvmlPowerSourceFakeTests
{
    [Fact]
    public void Counter_gpus_report_the_library_counter_and_their_facts()
    {
        FakeNvml.Configure("""
            devices=2
            energy_update_ms=0
            device0.power_w=250
            device0.utilization=50
            device0.temperature=66
            device0.processes=4242:1000,4343:2000
            device0.sm_clock=1410
            device0.mem_clock=1593
            device0.sm_clock_max=1980
            device0.mem_clock_max=2619
            device1.mig=1
            device1.mig_devices=2
            """);
        using var source = new NvmlPowerSource(FakeNvml.MainPath, NullLogger.Instance, new ManualClock());
        FakeNvml.SetTime(10);

        var reading = source.Read();

        Assert.Empty(reading.Errors);
        var gpu0 = reading.Gpus[0];
        Assert.Equal((EnergyMethod.Counter, 2500.0, 250.0), (gpu0.Method, gpu0.EnergyJoules, gpu0.PowerWatts));
        Assert.Equal((0.5, 66.0), (gpu0.UtilizationRatio, gpu0.TemperatureCelsius));
        Assert.Equal([4242, 4343], gpu0.ProcessIds);
        Assert.Equal("00000000:17:00.0", gpu0.PciBusId);
        Assert.Equal("Hopper", gpu0.Architecture);
        Assert.Equal(250.0, gpu0.PowerInstantWatts);
        Assert.Empty(gpu0.MigInstances);
        Assert.Equal(new GpuClocks(1410e6, 1410e6, 1593e6, 1980e6, 1980e6, 2619e6), gpu0.Clocks); // graphics follows SM in the fake
        var gpu1 = reading.Gpus[1];
        Assert.Equal(2, gpu1.MigInstances.Count);
        Assert.All(gpu1.MigInstances, m => Assert.Equal(0.5, m.EstimatedEnergyShare));
        Assert.Null(gpu1.UtilizationRatio); // not supported on MIG-enabled GPUs
    }

    [Theory]
    [InlineData("unsupported")]   // pre-Volta
    [InlineData("no_permission")] // e.g. some vGPU profiles
    public void Gpu_without_a_usable_counter_is_integrated_in_the_background(string energyMode)
    {
        FakeNvml.Configure($"devices=2\ndevice1.energy={energyMode}\ndevice1.power_w=150");
        FakeNvml.SetTime(0); // constant power: any time gives 150 W
        using var source = new NvmlPowerSource(FakeNvml.MainPath, 50, NullLogger.Instance, TimeProvider.System);

        var first = source.Read();
        var stopwatch = Stopwatch.StartNew();
        Thread.Sleep(400);
        var second = source.Read();
        var elapsed = stopwatch.Elapsed.TotalSeconds;

        Assert.Equal(EnergyMethod.Counter, first.Gpus[0].Method);
        Assert.Equal(EnergyMethod.Integrated, first.Gpus[1].Method);
        Assert.Equal(EnergyMethod.Integrated, second.Gpus[1].Method);
        var joules = second.Gpus[1].EnergyJoules!.Value - first.Gpus[1].EnergyJoules!.Value;
        // 150 W over the ~0.4 s between the reads; generous bounds for scheduling on a loaded CI machine.
        Assert.InRange(joules / elapsed, 150 * 0.6, 150 * 1.1);
        Assert.Empty(second.Errors);
    }

    [Fact]
    public void Clocks_not_supported_are_absent_and_not_an_error()
    {
        FakeNvml.Configure("devices=2\ndevice0.clocks=unsupported\ndevice1.clocks=max_unsupported\ndevice1.sm_clock=705");
        using var source = new NvmlPowerSource(FakeNvml.MainPath, NullLogger.Instance, new ManualClock());

        var reading = source.Read();

        Assert.Empty(reading.Errors); // optional readings, like temperature
        Assert.Equal(default, reading.Gpus[0].Clocks);
        Assert.Equal(new GpuClocks(705e6, 705e6, 2619e6, null, null, null), reading.Gpus[1].Clocks);
        Assert.Equal(100.0, reading.Gpus[0].PowerWatts); // the rest of the GPU is still read
    }

    [Fact]
    public void A_maximum_clock_the_gpu_does_not_support_is_asked_once_like_one_it_does()
    {
        FakeNvml.Configure("devices=2\ndevice1.clocks=max_unsupported");
        using var source = new NvmlPowerSource(FakeNvml.MainPath, NullLogger.Instance, new ManualClock());
        source.Read(); // the first read asks both GPUs for their maxima

        var before = (FakeNvml.DeviceCalls(0), FakeNvml.DeviceCalls(1));
        source.Read();
        source.Read();
        var supported = FakeNvml.DeviceCalls(0) - before.Item1;
        var unsupported = FakeNvml.DeviceCalls(1) - before.Item2;

        Assert.True(supported > 0, "the fake counts device calls");
        Assert.Equal(supported, unsupported); // was three calls more per read: NOT_SUPPORTED maxima asked again
    }

    [Fact]
    public void Lost_gpu_is_marked_others_continue_and_it_recovers_when_it_returns()
    {
        FakeNvml.Configure("devices=2\nenergy_update_ms=0\ndevice0.power_w=100\ndevice1.power_w=200");
        var clock = new ManualClock();
        using var source = new NvmlPowerSource(FakeNvml.MainPath, NullLogger.Instance, clock);
        FakeNvml.SetTime(1);
        Assert.False(source.Read().Gpus[1].Lost);

        FakeNvml.SetLost(1, true);
        FakeNvml.SetTime(2);
        var lost = source.Read();
        FakeNvml.SetLost(1, false);
        var stillWaiting = source.Read(); // within the retry interval: not probed yet
        clock.Advance(TimeSpan.FromSeconds(6));
        FakeNvml.SetTime(3);
        var back = source.Read();

        Assert.True(lost.Gpus[1].Lost);
        Assert.Null(lost.Gpus[1].EnergyJoules);
        Assert.Contains(lost.Errors, e => e.Contains("GPU 1", StringComparison.Ordinal) && e.Contains("lost", StringComparison.Ordinal));
        Assert.Equal((false, 200.0), (lost.Gpus[0].Lost, lost.Gpus[0].EnergyJoules));
        Assert.True(stillWaiting.Gpus[1].Lost);
        Assert.False(back.Gpus[1].Lost);
        Assert.Equal(600.0, back.Gpus[1].EnergyJoules);
        Assert.Equal(default, lost.Gpus[1].Clocks); // a lost GPU's clocks are unknown, not 0
        Assert.Equal(1980e6, back.Gpus[1].Clocks.SmMaxHertz);
        Assert.Empty(back.Errors);
    }

    [Fact]
    public void Gpu_without_permission_is_named_in_the_errors_and_the_others_are_read()
    {
        FakeNvml.Configure("devices=3\ndevice1.no_permission=1");
        using var source = new NvmlPowerSource(FakeNvml.MainPath, NullLogger.Instance, new ManualClock());

        var reading = source.Read();

        Assert.Equal([0u, 2u], reading.Gpus.Select(g => g.Index));
        Assert.Equal(
            "nvml: GPU 1 skipped: nvmlDeviceGetHandleByIndex_v2 failed: NVML_ERROR_NO_PERMISSION (4): Insufficient Permissions",
            Assert.Single(reading.Errors));
    }

    [Fact]
    public void Processes_from_a_32_byte_stride_driver_keep_their_pids()
    {
        FakeNvml.Configure("proc_stride=32\ndevice0.processes=1001:1,1002:2,1003:3");
        using var source = new NvmlPowerSource(FakeNvml.MainPath, NullLogger.Instance, new ManualClock());

        Assert.Equal([1001, 1002, 1003], source.Read().Gpus[0].ProcessIds);
    }
}
