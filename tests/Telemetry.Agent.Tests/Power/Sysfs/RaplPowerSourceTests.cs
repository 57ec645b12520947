using Telemetry.Agent.Power.Sysfs;
using Telemetry.Agent.Tests.Power.Support;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Power.Sysfs;

public sealed class RaplPowerSourceTests : IDisposable
{
    private const string Package = "class/powercap/intel-rapl:0";
    private readonly FakeSysfs _sysfs = new();
    private readonly ManualClock _clock = new();

    public RaplPowerSourceTests()
    {
        _sysfs.Write($"{Package}/name", "package-0");
        _sysfs.Write($"{Package}/max_energy_range_uj", "262143328850");
        _sysfs.Write($"{Package}/energy_uj", "262000000000");
        _sysfs.Write($"{Package}/intel-rapl:0:0/name", "core"); // a subzone: inside the package, not counted again
        _sysfs.Write($"{Package}/intel-rapl:0:0/energy_uj", "5");
        _sysfs.Write("class/powercap/intel-rapl:1/name", "psys");  // whole platform: overlaps the package
        _sysfs.Write("class/powercap/intel-rapl:1/max_energy_range_uj", "262143328850");
        _sysfs.Write("class/powercap/intel-rapl:1/energy_uj", "1");
    }

    public void Dispose() => _sysfs.Dispose();

    [Fact]
    public void Energy_is_cumulative_across_a_wrap_and_power_is_delta_over_time()
    {
        using var source = new RaplPowerSource(_sysfs.Root, _clock);
        var first = Assert.Single(source.Read().Gpus);

        _clock.Advance(TimeSpan.FromSeconds(10));
        _sysfs.Write($"{Package}/energy_uj", "856671150"); // wrapped: 143328850 µJ to the top + 856671150 µJ = 1000 J
        var second = Assert.Single(source.Read().Gpus);

        Assert.Equal(("rapl-intel-rapl:0", "CPU package-0 (RAPL)", EnergyMethod.Counter), (first.Uuid, first.Name, first.Method));
        Assert.Equal(262000.0, first.EnergyJoules);
        Assert.Null(first.PowerWatts);
        Assert.Equal(263000.0, second.EnergyJoules!.Value, precision: 6);
        Assert.Equal(100.0, second.PowerWatts!.Value, precision: 6);
    }

    [Fact]
    public void Root_only_energy_uj_is_explained_and_does_not_throw()
    {
        _sysfs.MakeUnreadable($"{Package}/energy_uj");
        using var source = new RaplPowerSource(_sysfs.Root, _clock);

        var reading = source.Read();

        var gpu = Assert.Single(reading.Gpus);
        Assert.Null(gpu.EnergyJoules);
        var error = Assert.Single(reading.Errors);
        Assert.Contains("permission denied", error, StringComparison.Ordinal);
        Assert.Contains("CVE-2020-8694", error, StringComparison.Ordinal);
        Assert.Contains("CAP_DAC_READ_SEARCH", error, StringComparison.Ordinal);
    }

    [Fact]
    public void No_powercap_tree_is_a_plain_error()
    {
        using var empty = new FakeSysfs();
        using var source = new RaplPowerSource(empty.Root, _clock);

        var reading = source.Read();

        Assert.Empty(reading.Gpus);
        Assert.Equal($"rapl: no RAPL zones under {empty.Root}/class/powercap", Assert.Single(reading.Errors));
    }
}
