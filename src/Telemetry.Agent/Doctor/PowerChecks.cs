using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Simulation;

namespace Telemetry.Agent.Doctor;

/// <summary>
/// Opens every configured power source once and reads it, as <c>run</c> would; a source with no device is
/// a failure with the fix for that kind of source (driver, permissions, paths).
/// </summary>
public static class PowerChecks
{
    public static IEnumerable<DoctorFinding> Run(PowerOptions power, ILoggerFactory loggers, TimeProvider time)
    {
        var names = (power.Sources.Count > 0 ? power.Sources : PowerOptions.DefaultSources).Distinct().ToList();
        var workload = new SimulatedWorkload(time.GetUtcNow());
        foreach (var name in names)
        {
            var subject = "power source " + name;
            if (!PowerOptions.KnownSources.Contains(name))
            {
                continue; // the configuration check already names it
            }

            PowerReading reading;
            try
            {
                using var source = PowerSourceFactory.Create(name, power, workload, loggers, time);
                reading = source.Read();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or DllNotFoundException or EntryPointNotFoundException or ArgumentException)
            {
                reading = PowerReading.Failed(ex.Message);
            }

            yield return Judge(name, subject, reading, power);
        }
    }

    private static DoctorFinding Judge(string name, string subject, PowerReading reading, PowerOptions power)
    {
        var problems = reading.Errors.Count > 0 ? string.Join("; ", reading.Errors) : "no device found";
        if (reading.Gpus.Count == 0)
        {
            return DoctorFinding.Fail(subject, "unavailable: " + problems, FixFor(name, problems, power));
        }

        var integrated = reading.Gpus.Count(g => g.Method == Wire.EnergyMethod.Integrated);
        var found = $"{reading.Gpus.Count} device(s) ({string.Join(", ", reading.Gpus.Select(g => g.Name).Distinct())})" +
            (integrated > 0 ? $"; {integrated} without an energy counter (power integrated at Agent:Power:IntegrationHz)" : "");
        if (name == "simulated")
        {
            return DoctorFinding.Warn(subject, found + "; these numbers are SIMULATED",
                "for a real node set Agent:Power:Sources to nvml (or amd-sysfs, rapl, hwmon, dcgm-exporter)");
        }

        if (reading.Errors.Count > 0)
        {
            return DoctorFinding.Warn(subject, found + "; but: " + problems, FixFor(name, problems, power));
        }

        return DoctorFinding.Ok(subject, found);
    }

    private static string FixFor(string name, string problems, PowerOptions power) => name switch
    {
        "nvml" when problems.Contains("NO_PERMISSION", StringComparison.OrdinalIgnoreCase) || problems.Contains("permission", StringComparison.OrdinalIgnoreCase) =>
            "let the agent's user open /dev/nvidia* (usually the 'video' group; deploy/systemd/telemetry-agent.service adds it)",
        "nvml" => power.Nvml.LibraryPath.Length > 0
            ? $"Agent:Power:Nvml:LibraryPath is '{power.Nvml.LibraryPath}': point it at libnvidia-ml.so.1, or leave it empty to search the library path"
            : "install the NVIDIA driver (it provides libnvidia-ml.so.1), in a container run with the NVIDIA container toolkit (--gpus all / nvidia.com/gpu), or set Agent:Power:Nvml:LibraryPath",
        "amd-sysfs" => $"needs the amdgpu driver's hwmon files under {power.SysfsRoot}/class/drm; in a container mount the host's /sys and set Agent:Power:SysfsRoot",
        "rapl" => $"needs {power.SysfsRoot}/class/powercap/intel-rapl:*; energy_uj is readable by root only since Linux 5.10, so grant read access (udev rule or CAP_DAC_READ_SEARCH, docs/install.md)",
        "hwmon" => "check Agent:Power:Hwmon:Sensors:N:PowerPath / EnergyPath name existing, readable files",
        "dcgm-exporter" => $"check that dcgm-exporter runs and Agent:Power:DcgmExporter:Url ('{power.DcgmExporter.Url}') is its /metrics",
        _ => "see docs/power-sources.md",
    };
}
