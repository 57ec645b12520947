using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>
/// A GPU's gauges and clocks as last reported (clocks in Hz); each is unknown (null) when the agent did not send
/// it or sent a non-finite value. Stored as plain doubles and a presence mask rather than as nullable doubles:
/// twelve values take 104 bytes instead of 192, and every snapshot copies them for every GPU of the fleet
/// (100,000 GPUs at the scale target of issue 5: 9 MB less per scrape). The default value knows nothing.
/// </summary>
public readonly struct GpuGauges
{
    private readonly double _power, _powerLimit, _utilization, _memoryUsed, _memoryTotal, _temperature;
    private readonly double _graphicsClock, _smClock, _memoryClock, _graphicsClockMax, _smClockMax, _memoryClockMax;
    private readonly ushort _present;

    public GpuGauges(GpuSample s)
    {
        var present = 0;
        _power = Read(s.HasPowerWatts, s.PowerWatts, 0, ref present);
        _powerLimit = Read(s.HasPowerLimitWatts, s.PowerLimitWatts, 1, ref present);
        _utilization = Read(s.HasUtilizationRatio, s.UtilizationRatio, 2, ref present);
        _memoryUsed = Read(s.HasMemoryUsedBytes, s.MemoryUsedBytes, 3, ref present);
        _memoryTotal = Read(s.HasMemoryTotalBytes, s.MemoryTotalBytes, 4, ref present);
        _temperature = Read(s.HasTemperatureCelsius, s.TemperatureCelsius, 5, ref present);
        _graphicsClock = Read(s.HasGraphicsClockHertz, s.GraphicsClockHertz, 6, ref present);
        _smClock = Read(s.HasSmClockHertz, s.SmClockHertz, 7, ref present);
        _memoryClock = Read(s.HasMemoryClockHertz, s.MemoryClockHertz, 8, ref present);
        _graphicsClockMax = Read(s.HasGraphicsClockMaxHertz, s.GraphicsClockMaxHertz, 9, ref present);
        _smClockMax = Read(s.HasSmClockMaxHertz, s.SmClockMaxHertz, 10, ref present);
        _memoryClockMax = Read(s.HasMemoryClockMaxHertz, s.MemoryClockMaxHertz, 11, ref present);
        _present = (ushort)present;
    }

    public double? PowerWatts => Known(_power, 0);

    public double? PowerLimitWatts => Known(_powerLimit, 1);

    public double? UtilizationRatio => Known(_utilization, 2);

    public double? MemoryUsedBytes => Known(_memoryUsed, 3);

    public double? MemoryTotalBytes => Known(_memoryTotal, 4);

    public double? TemperatureCelsius => Known(_temperature, 5);

    public double? GraphicsClockHertz => Known(_graphicsClock, 6);

    public double? SmClockHertz => Known(_smClock, 7);

    public double? MemoryClockHertz => Known(_memoryClock, 8);

    public double? GraphicsClockMaxHertz => Known(_graphicsClockMax, 9);

    public double? SmClockMaxHertz => Known(_smClockMax, 10);

    public double? MemoryClockMaxHertz => Known(_memoryClockMax, 11);

    /// <summary>A value that is absent or not finite is unknown, not zero.</summary>
    private static double Read(bool sent, double value, int bit, ref int present)
    {
        if (!sent || !double.IsFinite(value))
        {
            return 0;
        }

        present |= 1 << bit;
        return value;
    }

    private double? Known(double value, int bit) => (_present & (1 << bit)) != 0 ? value : null;
}
