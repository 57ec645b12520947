using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power.Integration;
using Telemetry.Wire;

namespace Telemetry.Agent.Power.Sysfs;

/// <summary>
/// Configured power sensors of NPUs and edge boards (<c>Agent:Power:Hwmon:Sensors</c>): a file with power
/// and/or one with a cumulative energy counter, each with a unit scale to watts / joules (hwmon: µW and µJ,
/// scale 1e-6). An energy file is used as a counter; otherwise power is integrated in the background.
/// Relative paths are under <c>Agent:Power:SysfsRoot</c>. Non-goal: discovering sensors on its own.
/// </summary>
public sealed class HwmonPowerSource : IPowerSource
{
    private readonly List<Sensor> _sensors = [];
    private readonly LazyIntegrator _integrator;

    public HwmonPowerSource(IReadOnlyList<HwmonSensorOptions> sensors, string sysfsRoot, double integrationHz, TimeProvider time,
        Microsoft.Extensions.Logging.ILogger logger)
    {
        _integrator = new LazyIntegrator(integrationHz, time, logger);
        for (var i = 0; i < sensors.Count; i++)
        {
            var o = sensors[i];
            var power = Resolve(sysfsRoot, o.PowerPath);
            var energy = Resolve(sysfsRoot, o.EnergyPath);
            var sensor = new Sensor(i, o.Name, power, o.PowerScale, energy, o.EnergyScale);
            if (energy is null && power is not null)
            {
                sensor.Integrated = _integrator.Register("hwmon " + o.Name, () => SysfsFile.ReadScaled(power, o.PowerScale));
            }

            _sensors.Add(sensor);
        }
    }

    public string Name => "hwmon";

    public PowerReading Read()
    {
        if (_sensors.Count == 0)
        {
            return PowerReading.Failed("hwmon: no sensors configured (Agent:Power:Hwmon:Sensors:N:Name, :PowerPath or :EnergyPath)");
        }

        var errors = new List<string>();
        var readings = new List<GpuReading>(_sensors.Count);
        foreach (var s in _sensors)
        {
            double? energy = s.Integrated?.Joules;
            if (s.EnergyPath is not null)
            {
                energy = Read(s.EnergyPath, s.EnergyScale, s.Name, errors);
            }

            readings.Add(new GpuReading
            {
                Index = (uint)s.Index,
                Uuid = "hwmon-" + s.Name,
                Name = s.Name,
                Source = Name,
                Method = energy is null ? EnergyMethod.Unspecified : s.EnergyPath is null ? EnergyMethod.Integrated : EnergyMethod.Counter,
                EnergyJoules = energy,
                PowerWatts = s.PowerPath is null ? null : Read(s.PowerPath, s.PowerScale, s.Name, errors),
            });
        }

        return new PowerReading(readings, errors);
    }

    private static double? Read(string path, double scale, string sensor, List<string> errors)
    {
        if (!SysfsFile.TryReadText(path, out _, out var error))
        {
            errors.Add($"hwmon: sensor {sensor}: {error}");
            return null;
        }

        var value = SysfsFile.ReadScaled(path, scale);
        if (value is null)
        {
            errors.Add($"hwmon: sensor {sensor}: {path} does not hold a number");
        }

        return value;
    }

    private static string? Resolve(string root, string path) =>
        string.IsNullOrEmpty(path) ? null : Path.IsPathRooted(path) ? path : Path.Combine(root, path);

    public void Dispose() => _integrator.Dispose();

    private sealed record Sensor(int Index, string Name, string? PowerPath, double PowerScale, string? EnergyPath, double EnergyScale)
    {
        public PowerIntegrator.Channel? Integrated { get; set; }
    }
}
