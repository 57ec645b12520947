using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>Power fields, temperature, clocks, architecture, PCI and MIG read through the real bindings.</summary>
[Collection(SharedFakeNvml.Name)]
public sealed class TopologyReadingTests
{
    [Fact]
    public void Power_fields_give_the_trailing_average_and_the_instant_value_in_watts()
    {
        // 100 W for 0.8 s then 400 W: at t = 1.9 s the last second averaged 160 W, the instant value is 400 W.
        FakeNvml.Configure("device0.period_s=1\ndevice0.trace=0:100,0.8:400");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);
        FakeNvml.SetTime(1.9);

        var fields = device.ReadPowerFields();

        Assert.Equal(NvmlReturn.Success, fields.Status);
        Assert.Equal(160.0, fields.Value.AverageWatts);
        Assert.Equal(400.0, fields.Value.InstantWatts);
    }

    [Fact]
    public void Temperature_clocks_architecture_and_pci_bus_id()
    {
        FakeNvml.Configure("devices=2\ndevice1.temperature=73\ndevice1.sm_clock=1410\ndevice1.mem_clock=1593\ndevice1.arch=7");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(1);

        Assert.Equal(new NvmlResult<double>(73, NvmlReturn.Success), device.ReadTemperatureCelsius());
        Assert.False(device.UsesDeprecatedTemperature); // TemperatureV exists in the current build
        Assert.Equal(new NvmlResult<double>(1410e6, NvmlReturn.Success), device.ReadClockHertz(NvmlClockType.Sm));
        Assert.Equal(new NvmlResult<double>(1593e6, NvmlReturn.Success), device.ReadClockHertz(NvmlClockType.Memory));
        Assert.Equal(new NvmlResult<NvmlArchitecture>(NvmlArchitecture.Ampere, NvmlReturn.Success), device.ReadArchitecture());
        Assert.Equal(new NvmlResult<string>("00000000:18:00.0", NvmlReturn.Success), device.ReadPciBusId());
    }

    [Fact]
    public void Mig_enabled_gpu_lists_its_instances_and_has_no_utilization()
    {
        FakeNvml.Configure("device0.mig=1\ndevice0.mig_devices=3\ndevice0.memory_total=70000000000\ndevice0.uuid=GPU-aaaaaaaa-0000-4000-8000-000000000001");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        var mig = device.ReadMigDevices();

        Assert.Equal(new NvmlResult<bool>(true, NvmlReturn.Success), device.ReadMigEnabled());
        Assert.Equal(NvmlReturn.Success, mig.Status);
        Assert.Equal([0, 1, 2], mig.Value.Select(m => m.Slot));
        Assert.Equal("MIG-aaaaaaaa-0000-4000-8000-000000000001-1", mig.Value[1].Uuid);
        Assert.Equal([1u, 2u, 3u], mig.Value.Select(m => m.GpuInstanceId!.Value));
        Assert.All(mig.Value, m => Assert.Equal(10_000_000_000ul, m.MemoryTotalBytes));
        Assert.Equal(NvmlReturn.NotSupported, device.ReadUtilizationRatio().Status);
        Assert.True(device.ReadEnergyJoules().IsSuccess); // energy stays on the physical GPU
    }

    [Fact]
    public void Mig_on_a_pre_ampere_gpu_is_not_supported_and_disabled_lists_nothing()
    {
        FakeNvml.Configure("devices=2\ndevice0.arch=6");
        using var nvml = FakeNvml.Open();

        Assert.Equal(NvmlReturn.NotSupported, nvml.OpenDevice(0).ReadMigEnabled().Status);
        Assert.Equal(new NvmlResult<bool>(false, NvmlReturn.Success), nvml.OpenDevice(1).ReadMigEnabled());
        Assert.Empty(nvml.OpenDevice(1).ReadMigDevices().Value);
    }
}
