using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>Latest known state of one GPU of a node, keyed by UUID.</summary>
internal sealed class GpuState(string uuid)
{
    public string Uuid { get; } = uuid;
    public uint Index { get; set; }
    public string Name { get; set; } = "";
    public string Source { get; set; } = "";
    public EnergyMethod Method { get; set; }
    public CounterState Energy;
    public double? PowerWatts { get; set; }
    public double? PowerLimitWatts { get; set; }
    public double? UtilizationRatio { get; set; }
    public double? MemoryUsedBytes { get; set; }
    public double? MemoryTotalBytes { get; set; }
    public double? TemperatureCelsius { get; set; }
    public bool Lost { get; set; }

    public void Update(GpuSample sample)
    {
        Index = sample.Index;
        Name = sample.Name;
        Source = sample.Source;
        Method = sample.EnergyMethod;
        Lost = sample.Lost;
        PowerWatts = Finite(sample.HasPowerWatts, sample.PowerWatts);
        PowerLimitWatts = Finite(sample.HasPowerLimitWatts, sample.PowerLimitWatts);
        UtilizationRatio = Finite(sample.HasUtilizationRatio, sample.UtilizationRatio);
        MemoryUsedBytes = Finite(sample.HasMemoryUsedBytes, sample.MemoryUsedBytes);
        MemoryTotalBytes = Finite(sample.HasMemoryTotalBytes, sample.MemoryTotalBytes);
        TemperatureCelsius = Finite(sample.HasTemperatureCelsius, sample.TemperatureCelsius);
    }

    /// <summary>A gauge that is absent or not finite is unknown, not zero.</summary>
    internal static double? Finite(bool present, double value) => present && double.IsFinite(value) ? value : null;
}
