using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power.Sysfs;
using Telemetry.Agent.Tests.Power.Support;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Power.Sysfs;

public sealed class HwmonPowerSourceTests : IDisposable
{
    private readonly FakeSysfs _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    [Fact]
    public void Energy_file_is_a_counter_and_power_only_sensors_are_integrated_with_their_scale()
    {
        _sysfs.Write("class/hwmon/hwmon0/energy1_input", "3600000000");        // µJ
        _sysfs.Write("class/hwmon/hwmon0/power1_input", "12500000");           // µW
        var milliwatts = _sysfs.Write("board/npu_power_mw", "7500.5");          // a vendor file in mW, absolute path
        HwmonSensorOptions[] sensors =
        [
            new() { Name = "jetson-gpu", EnergyPath = "class/hwmon/hwmon0/energy1_input", PowerPath = "class/hwmon/hwmon0/power1_input" },
            new() { Name = "npu", PowerPath = milliwatts, PowerScale = 1e-3 },
        ];
        using var source = new HwmonPowerSource(sensors, _sysfs.Root, 100, TimeProvider.System, NullLogger.Instance);

        var first = source.Read();
        Thread.Sleep(300);
        var second = source.Read();

        Assert.Empty(first.Errors);
        Assert.Equal((EnergyMethod.Counter, 3600.0, 12.5), (first.Gpus[0].Method, first.Gpus[0].EnergyJoules, first.Gpus[0].PowerWatts));
        Assert.Equal(("hwmon-npu", EnergyMethod.Integrated, 7.5005), (first.Gpus[1].Uuid, first.Gpus[1].Method, first.Gpus[1].PowerWatts));
        Assert.InRange(second.Gpus[1].EnergyJoules!.Value - first.Gpus[1].EnergyJoules!.Value, 7.5 * 0.15, 7.5 * 1.0);
    }

    [Fact]
    public void Garbage_in_a_sensor_file_is_named_in_the_error()
    {
        _sysfs.Write("class/hwmon/hwmon1/power1_input", "N/A");
        using var source = new HwmonPowerSource([new() { Name = "edge", PowerPath = "class/hwmon/hwmon1/power1_input" }], _sysfs.Root, 10, TimeProvider.System, NullLogger.Instance);

        var reading = source.Read();

        Assert.Null(reading.Gpus[0].PowerWatts);
        Assert.Equal($"hwmon: sensor edge: {_sysfs.Root}/class/hwmon/hwmon1/power1_input does not hold a number", Assert.Single(reading.Errors));
    }
}
