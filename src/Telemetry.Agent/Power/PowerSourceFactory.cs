using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power.Dcgm;
using Telemetry.Agent.Power.Sysfs;
using Telemetry.Agent.Simulation;

namespace Telemetry.Agent.Power;

/// <summary>Creates a power source from its <c>Agent:Power:Sources</c> name (DESIGN §6) and its options.</summary>
public static class PowerSourceFactory
{
    /// <exception cref="ArgumentException">An unknown name (the validator rejects those at start).</exception>
    public static IPowerSource Create(string name, PowerOptions power, SimulatedWorkload workload, ILoggerFactory loggers, TimeProvider time) => name switch
    {
        "nvml" => new NvmlPowerSource(power.Nvml.LibraryPath, power.IntegrationHz, loggers.CreateLogger("nvml"), time),
        "amd-sysfs" => new AmdSysfsPowerSource(power.SysfsRoot, power.IntegrationHz, time, loggers.CreateLogger("amd-sysfs")),
        "rapl" => new RaplPowerSource(power.SysfsRoot, time),
        "hwmon" => new HwmonPowerSource(power.Hwmon.Sensors, power.SysfsRoot, power.IntegrationHz, time, loggers.CreateLogger("hwmon")),
        "dcgm-exporter" => new DcgmExporterPowerSource(power.DcgmExporter),
        "simulated" => new SimulatedPowerSource(workload, power.Simulated.Gpus, power.Simulated.Model, time),
        _ => throw new ArgumentException($"unknown power source '{name}'", nameof(name)),
    };
}
