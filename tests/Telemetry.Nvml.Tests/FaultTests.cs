using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>Fault modes of the fake (reference 1.8) as the product's readings see them.</summary>
[Collection(SharedFakeNvml.Name)]
public sealed class FaultTests
{
    [Fact]
    public void Energy_not_supported_and_no_permission_are_statuses_not_exceptions()
    {
        FakeNvml.Configure("devices=3\ndevice0.energy=unsupported\ndevice0.arch=4\ndevice1.energy=no_permission");
        using var nvml = FakeNvml.Open();

        Assert.Equal(NvmlReturn.NotSupported, nvml.OpenDevice(0).ReadEnergyJoules().Status);
        Assert.Equal(NvmlReturn.NoPermission, nvml.OpenDevice(1).ReadEnergyJoules().Status);
        Assert.Equal(NvmlReturn.Success, nvml.OpenDevice(2).ReadEnergyJoules().Status);
        Assert.True(nvml.OpenDevice(0).ReadPowerWatts().IsSuccess); // power still reads: the integrator's input
    }

    [Fact]
    public void Lost_gpu_answers_gpu_is_lost_until_it_returns_and_is_found_again_by_uuid()
    {
        FakeNvml.Configure("devices=2\ndevice1.uuid=GPU-bbbbbbbb-0000-4000-8000-000000000001");
        using var nvml = FakeNvml.Open();
        var lost = nvml.OpenDevice(1);
        var other = nvml.OpenDevice(0);

        FakeNvml.SetLost(1, true);
        Assert.Equal(NvmlReturn.GpuIsLost, lost.ReadEnergyJoules().Status);
        Assert.True(other.ReadEnergyJoules().IsSuccess);
        var whileLost = Assert.Throws<NvmlException>(() => nvml.OpenDeviceByUuid(lost.Uuid, 1));
        Assert.Equal(NvmlReturn.GpuIsLost, whileLost.Code);

        FakeNvml.SetLost(1, false);
        var back = nvml.OpenDeviceByUuid(lost.Uuid, 1);
        Assert.Equal(lost.Uuid, back.Uuid);
        Assert.True(back.ReadEnergyJoules().IsSuccess);
    }

    [Fact]
    public void Lost_after_n_calls_starts_mid_run()
    {
        FakeNvml.Configure("device0.lost_after_calls=4"); // OpenDevice uses 2 (name, UUID)
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        Assert.True(device.ReadEnergyJoules().IsSuccess);
        Assert.True(device.ReadEnergyJoules().IsSuccess);
        Assert.Equal(NvmlReturn.GpuIsLost, device.ReadEnergyJoules().Status);
    }

    [Fact]
    public void Driver_reload_makes_the_counter_go_down_and_restart_from_zero()
    {
        FakeNvml.Configure("energy_update_ms=0\ndevice0.power_w=200");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);
        FakeNvml.SetTime(10);
        var before = device.ReadEnergyJoules().Value;

        FakeNvml.ReloadDriver();
        var atReload = device.ReadEnergyJoules().Value;
        FakeNvml.SetTime(11);
        var after = device.ReadEnergyJoules().Value;

        Assert.Equal(2000.0, before);
        Assert.Equal(0.0, atReload);
        Assert.Equal(200.0, after);
    }
}
