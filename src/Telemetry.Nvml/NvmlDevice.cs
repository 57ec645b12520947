using Telemetry.Nvml.Interop;

namespace Telemetry.Nvml;

/// <summary>
/// One GPU of an open <see cref="NvmlLibrary"/>, keyed by <see cref="Uuid"/> (indices are not stable across
/// reboots). Readings convert NVML units to SI at this edge and return the status instead of throwing.
/// NVML itself is thread-safe, and so is this type (its only mutable state is probe results, written
/// idempotently), but calls block (seconds on an unhealthy GPU): keep them off latency-sensitive threads.
/// </summary>
public sealed unsafe partial class NvmlDevice
{
    private const double MilliPerUnit = 1000.0; // mJ per J, mW per W
    private const double PercentPerRatio = 100.0;

    private readonly NvmlLibrary _library;
    private readonly nint _handle;
    private volatile bool _memoryV1Only;
    private volatile bool _temperatureV1Only;

    internal NvmlDevice(NvmlLibrary library, nint handle, int index, string uuid, string name)
    {
        _library = library;
        _handle = handle;
        Index = index;
        Uuid = uuid;
        Name = name;
    }

    /// <summary>NVML index at open time; not stable across reboots.</summary>
    public int Index { get; }

    /// <summary>"GPU-xxxxxxxx-xxxx-..."; the stable identity.</summary>
    public string Uuid { get; }

    /// <summary>e.g. "NVIDIA H100 80GB HBM3".</summary>
    public string Name { get; }

    /// <summary>
    /// <c>nvmlDeviceGetTotalEnergyConsumption</c>: joules since the driver was last loaded (Volta+; NotSupported
    /// before). A decrease means a driver reload. The one mJ to J conversion in the product.
    /// </summary>
    public NvmlResult<double> ReadEnergyJoules()
    {
        if (_library.IsDisposed)
        {
            return new(0, NvmlReturn.Uninitialized);
        }

        try
        {
            var status = (NvmlReturn)NvmlNative.DeviceGetTotalEnergyConsumption(_handle, out var millijoules);
            return new(status == NvmlReturn.Success ? millijoules / MilliPerUnit : 0, status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(0, NvmlReturn.FunctionNotFound);
        }
    }

    /// <summary><c>nvmlDeviceGetPowerUsage</c> in watts: a 1-s average on Ampere (except GA100) and newer, instantaneous before.</summary>
    public NvmlResult<double> ReadPowerWatts() => ReadScaled(&NvmlNative.DeviceGetPowerUsage, MilliPerUnit);

    /// <summary><c>nvmlDeviceGetEnforcedPowerLimit</c> in watts: the effective limit after all limiters.</summary>
    public NvmlResult<double> ReadPowerLimitWatts() => ReadScaled(&NvmlNative.DeviceGetEnforcedPowerLimit, MilliPerUnit);

    /// <summary>
    /// GPU sensor in °C: <c>nvmlDeviceGetTemperatureV</c> (12.8+ drivers), else the deprecated
    /// <c>nvmlDeviceGetTemperature</c> that every driver still exports.
    /// </summary>
    public NvmlResult<double> ReadTemperatureCelsius()
    {
        if (_library.IsDisposed)
        {
            return new(0, NvmlReturn.Uninitialized);
        }

        if (!_temperatureV1Only)
        {
            try
            {
                var t = new NvmlTemperature { Version = NvmlTemperature.Version1, SensorType = NvmlNative.TemperatureSensorGpu };
                var status = (NvmlReturn)NvmlNative.DeviceGetTemperatureV(_handle, &t);
                return new(status == NvmlReturn.Success ? t.Temperature : 0, status);
            }
            catch (EntryPointNotFoundException)
            {
                _temperatureV1Only = true;
            }
        }

        return ReadScaled(&ReadGpuTemperature, 1.0);
    }

    /// <summary>True once <c>nvmlDeviceGetTemperatureV</c> was found missing.</summary>
    internal bool UsesDeprecatedTemperature => _temperatureV1Only;

    internal nint Handle => _handle;

    internal NvmlLibrary Library => _library;

    /// <summary>GPU utilisation over the driver's last sample period (1 s to 1/6 s), 0..1. NotSupported with MIG.</summary>
    public NvmlResult<double> ReadUtilizationRatio()
    {
        if (_library.IsDisposed)
        {
            return new(0, NvmlReturn.Uninitialized);
        }

        try
        {
            NvmlUtilization utilization;
            var status = (NvmlReturn)NvmlNative.DeviceGetUtilizationRates(_handle, &utilization);
            return new(status == NvmlReturn.Success ? utilization.Gpu / PercentPerRatio : 0, status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(0, NvmlReturn.FunctionNotFound);
        }
    }

    /// <summary>
    /// Total and used framebuffer bytes from <c>nvmlDeviceGetMemoryInfo_v2</c>; on drivers without it (before
    /// R510) from the v1 call, whose "used" also counts driver-reserved memory.
    /// </summary>
    public NvmlResult<(ulong TotalBytes, ulong UsedBytes)> ReadMemory()
    {
        if (_library.IsDisposed)
        {
            return new(default, NvmlReturn.Uninitialized);
        }

        if (!_memoryV1Only)
        {
            try
            {
                var memory = new NvmlMemoryV2 { Version = NvmlMemoryV2.Version2 };
                var status = (NvmlReturn)NvmlNative.DeviceGetMemoryInfoV2(_handle, &memory);
                return new(status == NvmlReturn.Success ? (memory.Total, memory.Used) : default, status);
            }
            catch (EntryPointNotFoundException)
            {
                _memoryV1Only = true; // benign race: at worst a second probe
            }
        }

        try
        {
            NvmlMemory memory;
            var status = (NvmlReturn)NvmlNative.DeviceGetMemoryInfo(_handle, &memory);
            return new(status == NvmlReturn.Success ? (memory.Total, memory.Used) : default, status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(default, NvmlReturn.FunctionNotFound);
        }
    }

    /// <summary>True once the v2 memory symbol was found missing and reads use the v1 call.</summary>
    internal bool UsesMemoryInfoV1 => _memoryV1Only;

    private static int ReadGpuTemperature(nint device, out uint celsius) =>
        NvmlNative.DeviceGetTemperature(device, NvmlNative.TemperatureSensorGpu, out celsius);

    private NvmlResult<double> ReadScaled(delegate*<nint, out uint, int> read, double divisor)
    {
        if (_library.IsDisposed)
        {
            return new(0, NvmlReturn.Uninitialized);
        }

        try
        {
            var status = (NvmlReturn)read(_handle, out var raw);
            return new(status == NvmlReturn.Success ? raw / divisor : 0, status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(0, NvmlReturn.FunctionNotFound);
        }
    }
}
