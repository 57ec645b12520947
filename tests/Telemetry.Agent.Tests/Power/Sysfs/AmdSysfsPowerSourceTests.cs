using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Power;
using Telemetry.Agent.Power.Sysfs;
using Telemetry.Agent.Tests.Power.Support;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Power.Sysfs;

public sealed class AmdSysfsPowerSourceTests : IDisposable
{
    private readonly FakeSysfs _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    private void AddCard(int n, string vendor, string hwmonFile, string microwatts)
    {
        var device = $"class/drm/card{n}/device";
        _sysfs.Write($"{device}/vendor", vendor);
        _sysfs.Write($"{device}/uevent", $"DRIVER=amdgpu\nPCI_SLOT_NAME=0000:0{n}:00.0");
        _sysfs.Write($"{device}/gpu_busy_percent", "37");
        _sysfs.Write($"{device}/mem_info_vram_used", "1073741824");
        _sysfs.Write($"{device}/mem_info_vram_total", "68702699520");
        _sysfs.Write($"{device}/hwmon/hwmon{n + 3}/{hwmonFile}", microwatts);
        _sysfs.Write($"{device}/hwmon/hwmon{n + 3}/temp1_input", "45000");
        _sysfs.Write($"{device}/hwmon/hwmon{n + 3}/power1_cap", "300000000");
    }

    [Fact]
    public void Amd_cards_are_found_power_converted_from_microwatts_and_energy_integrated()
    {
        AddCard(0, "0x1002", "power1_average", "123450000");
        AddCard(1, "0x1002", "power1_input", "50000000");  // MI300/RDNA3: only the instant value
        AddCard(2, "0x10de", "power1_average", "1");        // an NVIDIA card: not this source's
        _sysfs.Write("class/drm/card0-DP-1/status", "connected"); // a connector, not a card
        _sysfs.Write("class/drm/card0/device/unique_id", "a1b2c3d4e5f60718");
        _sysfs.Write("class/drm/card0/device/hwmon/hwmon3/freq1_input", "2100000000"); // sclk, Hz
        _sysfs.Write("class/drm/card0/device/hwmon/hwmon3/freq2_input", "1300000000"); // mclk, Hz
        using var source = new AmdSysfsPowerSource(_sysfs.Root, 100, TimeProvider.System, NullLogger.Instance);

        var first = source.Read();
        Thread.Sleep(300);
        var second = source.Read();

        Assert.Empty(first.Errors);
        Assert.Equal(2, first.Gpus.Count);
        var card0 = first.Gpus[0];
        Assert.Equal(("AMD-a1b2c3d4e5f60718", "AMD GPU (card0)", "0000:00:00.0"), (card0.Uuid, card0.Name, card0.PciBusId));
        Assert.Equal((123.45, 300.0, 45.0, 0.37), (card0.PowerWatts, card0.PowerLimitWatts, card0.TemperatureCelsius, card0.UtilizationRatio));
        Assert.Equal((1073741824.0, 68702699520.0), (card0.MemoryUsedBytes, card0.MemoryTotalBytes));
        Assert.Equal(EnergyMethod.Integrated, card0.Method);
        Assert.Equal(("AMD-0000:01:00.0", 50.0), (first.Gpus[1].Uuid, first.Gpus[1].PowerWatts));
        Assert.Equal(new GpuClocks(null, 2.1e9, 1.3e9, null, null, null), card0.Clocks); // no maximum read on AMD
        Assert.Equal(default, first.Gpus[1].Clocks); // no freq files: absent, not 0
        var joules = second.Gpus[0].EnergyJoules!.Value - card0.EnergyJoules!.Value;
        Assert.InRange(joules, 123.45 * 0.15, 123.45 * 1.0); // ~0.3 s of 123.45 W; loose for a loaded CI machine
    }

    [Fact]
    public void An_energy1_input_counter_is_used_directly()
    {
        AddCard(0, "0x1002", "power1_average", "100000000");
        _sysfs.Write("class/drm/card0/device/hwmon/hwmon3/energy1_input", "7250000000");
        using var source = new AmdSysfsPowerSource(_sysfs.Root, 10, TimeProvider.System, NullLogger.Instance);

        var gpu = Assert.Single(source.Read().Gpus);

        Assert.Equal((EnergyMethod.Counter, 7250.0), (gpu.Method, gpu.EnergyJoules));
    }

    [Fact]
    public void No_amd_card_is_a_plain_error_and_a_vanished_sensor_is_an_error_not_a_crash()
    {
        using (var none = new AmdSysfsPowerSource(_sysfs.Root, 10, TimeProvider.System, NullLogger.Instance))
        {
            Assert.StartsWith("amd-sysfs: no AMD GPU (vendor 0x1002)", Assert.Single(none.Read().Errors), StringComparison.Ordinal);
        }

        AddCard(0, "0x1002", "power1_average", "100000000");
        using var source = new AmdSysfsPowerSource(_sysfs.Root, 10, TimeProvider.System, NullLogger.Instance);
        Assert.Empty(source.Read().Errors);
        File.Delete(Path.Combine(_sysfs.Root, "class/drm/card0/device/hwmon/hwmon3/power1_average"));

        var reading = source.Read();

        Assert.Null(reading.Gpus[0].PowerWatts);
        Assert.Contains("power1_average: does not exist", Assert.Single(reading.Errors), StringComparison.Ordinal);
    }
}
