using System.Runtime.InteropServices;

namespace Telemetry.Nvml.Interop;

/// <summary>
/// Source-generated bindings to the exported NVML symbols (nvml.h, NVML 13.3). The header's
/// <c>#define nvmlInit nvmlInit_v2</c> renames do not apply to FFI, so versioned names are bound
/// explicitly. Blittable signatures only: <c>int</c> status, <c>nint</c> handles, byte spans for strings.
/// </summary>
internal static unsafe partial class NvmlNative
{
    /// <summary>Logical name; <see cref="NvmlLoader"/> maps it to the one loaded library handle.</summary>
    internal const string LibraryName = "nvidia-ml";

    /// <summary>NVML_DEVICE_NAME_V2_BUFFER_SIZE and NVML_DEVICE_UUID_V2_BUFFER_SIZE: 96 including NUL.</summary>
    internal const int DeviceStringBufferSize = 96;

    /// <summary>NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE.</summary>
    internal const int DriverVersionBufferSize = 80;

    /// <summary>NVML_TEMPERATURE_GPU, the only <c>nvmlTemperatureSensors_t</c> value.</summary>
    internal const int TemperatureSensorGpu = 0;

    [LibraryImport(LibraryName, EntryPoint = "nvmlInit_v2")]
    internal static partial int Init();

    [LibraryImport(LibraryName, EntryPoint = "nvmlShutdown")]
    internal static partial int Shutdown();

    /// <summary>Returns a static string owned by NVML: read it, never free it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlErrorString")]
    internal static partial nint ErrorString(int result);

    [LibraryImport(LibraryName, EntryPoint = "nvmlSystemGetDriverVersion")]
    internal static partial int SystemGetDriverVersion(Span<byte> version, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCount_v2")]
    internal static partial int DeviceGetCount(out uint deviceCount);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    internal static partial int DeviceGetHandleByIndex(uint index, out nint device);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetName")]
    internal static partial int DeviceGetName(nint device, Span<byte> name, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetUUID")]
    internal static partial int DeviceGetUuid(nint device, Span<byte> uuid, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTotalEnergyConsumption")]
    internal static partial int DeviceGetTotalEnergyConsumption(nint device, out ulong energyMillijoules);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPowerUsage")]
    internal static partial int DeviceGetPowerUsage(nint device, out uint powerMilliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetEnforcedPowerLimit")]
    internal static partial int DeviceGetEnforcedPowerLimit(nint device, out uint limitMilliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetUtilizationRates")]
    internal static partial int DeviceGetUtilizationRates(nint device, NvmlUtilization* utilization);

    /// <summary>In/out: the caller sets <see cref="NvmlMemoryV2.Version"/>. Missing before R510.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMemoryInfo_v2")]
    internal static partial int DeviceGetMemoryInfoV2(nint device, NvmlMemoryV2* memory);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    internal static partial int DeviceGetMemoryInfo(nint device, NvmlMemory* memory);

    /// <summary>Deprecated in 13.0 but still exported by every driver; TemperatureV is 12.8+ only.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTemperature")]
    internal static partial int DeviceGetTemperature(nint device, int sensorType, out uint temperatureCelsius);
}
