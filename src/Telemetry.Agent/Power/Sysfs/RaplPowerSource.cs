using System.Text.RegularExpressions;
using Telemetry.Wire;

namespace Telemetry.Agent.Power.Sysfs;

/// <summary>
/// CPU package (and DRAM) energy from Intel/AMD RAPL through powercap: <c>{root}/class/powercap/intel-rapl:N</c>,
/// <c>energy_uj</c> (µJ) wrapping at <c>max_energy_range_uj</c>. Top-level zones only, and not <c>psys</c>,
/// which covers the whole platform and would double-count the packages. Power is ΔE/Δt between reads.
/// Since Linux 5.10 (CVE-2020-8694, PLATYPUS) <c>energy_uj</c> is root-only; the error says what to do.
/// </summary>
public sealed partial class RaplPowerSource(string sysfsRoot, TimeProvider time) : IPowerSource
{
    private const double MicroPerUnit = 1e6;

    /// <summary>What an operator can do about a root-only energy_uj (docs/power-sources.md).</summary>
    internal const string PermissionHint =
        "energy_uj is readable only by root since Linux 5.10 (CVE-2020-8694, PLATYPUS): run the agent as root, " +
        "give it CAP_DAC_READ_SEARCH, or add a udev rule making energy_uj mode 0444 (which reopens that side channel)";

    private List<Zone>? _zones;

    public string Name => "rapl";

    public PowerReading Read()
    {
        string? discoveryError = null;
        _zones ??= Discover(out discoveryError);
        if (_zones.Count == 0)
        {
            _zones = null;
            return PowerReading.Failed(discoveryError ?? $"rapl: no RAPL zones under {Path.Combine(sysfsRoot, "class", "powercap")}");
        }

        var errors = new List<string>();
        var now = time.GetTimestamp();
        var readings = new List<GpuReading>(_zones.Count);
        foreach (var z in _zones)
        {
            double? energy = null;
            double? power = null;
            if (SysfsFile.TryReadUInt64(Path.Combine(z.Dir, "energy_uj"), out var raw, out var error))
            {
                var previous = z.Counter.Total;
                var hadPrevious = z.LastTimestamp != 0;
                energy = z.Counter.Observe(raw) / MicroPerUnit;
                var seconds = hadPrevious ? time.GetElapsedTime(z.LastTimestamp, now).TotalSeconds : 0;
                power = seconds > 0 ? (z.Counter.Total - previous) / MicroPerUnit / seconds : null;
                z.LastTimestamp = now;
            }
            else
            {
                errors.Add($"rapl: {error}{(error!.EndsWith("permission denied", StringComparison.Ordinal) ? "; " + PermissionHint : "")}");
            }

            readings.Add(new GpuReading
            {
                Index = (uint)z.Index,
                Uuid = "rapl-" + Path.GetFileName(z.Dir),
                Name = $"CPU {z.Name} (RAPL)",
                Source = Name,
                Method = energy is null ? EnergyMethod.Unspecified : EnergyMethod.Counter,
                EnergyJoules = energy,
                PowerWatts = power,
            });
        }

        return new PowerReading(readings, errors);
    }

    private List<Zone> Discover(out string? error)
    {
        error = null;
        var powercap = Path.Combine(sysfsRoot, "class", "powercap");
        if (!Directory.Exists(powercap))
        {
            return [];
        }

        var zones = new List<Zone>();
        foreach (var dir in Directory.GetDirectories(powercap).Where(d => TopLevelZone().IsMatch(Path.GetFileName(d))).Order(StringComparer.Ordinal))
        {
            var name = SysfsFile.ReadTextOrNull(Path.Combine(dir, "name")) ?? Path.GetFileName(dir);
            if (name == "psys")
            {
                continue;
            }

            if (!SysfsFile.TryReadUInt64(Path.Combine(dir, "max_energy_range_uj"), out var max, out var maxError))
            {
                error = "rapl: " + maxError;
                continue;
            }

            zones.Add(new Zone(zones.Count, dir, name, new WrappingCounter(max)));
        }

        return zones;
    }

    public void Dispose()
    {
    }

    [GeneratedRegex(@"^intel-rapl:\d+$")]
    private static partial Regex TopLevelZone();

    private sealed record Zone(int Index, string Dir, string Name, WrappingCounter Counter)
    {
        public long LastTimestamp { get; set; }
    }
}
