using Telemetry.Wire;

namespace Telemetry.Agent.Power;

/// <summary>
/// One GPU (or other power device) as a power source read it, in base units. <see cref="EnergyJoules"/> is
/// the device's cumulative counter, or the agent's integrated one (<see cref="Method"/> says which; null when
/// neither exists); gauges are null when unsupported.
/// </summary>
public sealed record GpuReading
{
    public required uint Index { get; init; }
    public required string Uuid { get; init; }
    public required string Name { get; init; }
    public required string Source { get; init; }
    public EnergyMethod Method { get; init; }
    public double? EnergyJoules { get; init; }
    public double? PowerWatts { get; init; }
    public double? PowerLimitWatts { get; init; }
    public double? UtilizationRatio { get; init; }
    public double? MemoryUsedBytes { get; init; }
    public double? MemoryTotalBytes { get; init; }
    public double? TemperatureCelsius { get; init; }
    public bool Lost { get; init; }

    /// <summary>Instantaneous power (NVML field 186) where the driver offers it; <see cref="PowerWatts"/> may be a 1-s average.</summary>
    public double? PowerInstantWatts { get; init; }

    /// <summary>Current and maximum clocks in Hz; null where the source cannot read them (never a made-up 0).</summary>
    public GpuClocks Clocks { get; init; }

    /// <summary>e.g. "00000000:31:00.0".</summary>
    public string? PciBusId { get; init; }

    /// <summary>e.g. "Hopper"; null when unknown.</summary>
    public string? Architecture { get; init; }

    /// <summary>PIDs of the compute processes on this GPU (NVML's running-process list), for server attribution.</summary>
    public IReadOnlyList<int> ProcessIds { get; init; } = [];

    /// <summary>MIG instances of a MIG-enabled GPU; their energy shares are estimates (docs/power-sources.md).</summary>
    public IReadOnlyList<MigInstanceReading> MigInstances { get; init; } = [];
}

/// <summary>
/// A GPU's clocks in hertz, converted once from the source's MHz: current graphics, SM and memory clocks
/// and each domain's maximum (the "limit" a throttled clock is judged against). Null = unknown.
/// </summary>
public readonly record struct GpuClocks(double? GraphicsHertz, double? SmHertz, double? MemoryHertz,
    double? GraphicsMaxHertz, double? SmMaxHertz, double? MemoryMaxHertz)
{
    /// <summary>NVML and DCGM report clocks in MHz.</summary>
    public const double HertzPerMegahertz = 1e6;
}

/// <summary>
/// One MIG instance. Energy exists only for the physical GPU; <see cref="EstimatedEnergyShare"/> is this
/// instance's fraction of the GPU's memory slices, an estimate of its share of the GPU's energy.
/// </summary>
public sealed record MigInstanceReading(string Uuid, string Name, uint? GpuInstanceId, uint? ComputeInstanceId,
    double? MemoryTotalBytes, double? MemoryUsedBytes, double EstimatedEnergyShare);

/// <summary>What one read of a power source produced: its GPUs, and problems in plain words.</summary>
public sealed record PowerReading(IReadOnlyList<GpuReading> Gpus, IReadOnlyList<string> Errors)
{
    public static PowerReading Failed(string error) => new([], [error]);
}

/// <summary>A source of GPU power and energy readings (NVML, simulated, ...). Read from one thread.</summary>
public interface IPowerSource : IDisposable
{
    string Name { get; }

    PowerReading Read();
}
