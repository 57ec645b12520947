using Telemetry.Wire;

namespace Telemetry.Agent.Power;

/// <summary>
/// One GPU as a power source read it, in base units. <see cref="EnergyJoules"/> is the device's
/// cumulative counter (null when the device has none); gauges are null when unsupported.
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

    /// <summary>PIDs of the compute processes on this GPU (NVML's running-process list), for server attribution.</summary>
    public IReadOnlyList<int> ProcessIds { get; init; } = [];
}

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
