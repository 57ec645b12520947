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

    /// <summary>In/out struct: the caller sets version 0x0100000C and sensorType 0. 12.8+ drivers only.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTemperatureV")]
    internal static partial int DeviceGetTemperatureV(nint device, NvmlTemperature* temperature);

    /// <summary>SUCCESS means "some populated": each entry carries its own status.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetFieldValues")]
    internal static partial int DeviceGetFieldValues(nint device, int valuesCount, NvmlFieldValue* values);

    /// <summary><c>nvmlClockType_t</c>: GRAPHICS 0, SM 1, MEM 2, VIDEO 3; MHz.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetClockInfo")]
    internal static partial int DeviceGetClockInfo(nint device, int clockType, out uint clockMhz);

    /// <summary>
    /// <c>nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t, nvmlClockType_t, unsigned int *clock)</c>: the
    /// highest clock the GPU can run this domain at (MHz), before any application-clock or power cap.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMaxClockInfo")]
    internal static partial int DeviceGetMaxClockInfo(nint device, int clockType, out uint clockMhz);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetArchitecture")]
    internal static partial int DeviceGetArchitecture(nint device, out uint architecture);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPciInfo_v3")]
    internal static partial int DeviceGetPciInfoV3(nint device, NvmlPciInfo* pci);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetHandleByUUID")]
    internal static partial int DeviceGetHandleByUuid(byte* uuid, out nint device);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMigMode")]
    internal static partial int DeviceGetMigMode(nint device, out uint currentMode, out uint pendingMode);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMaxMigDeviceCount")]
    internal static partial int DeviceGetMaxMigDeviceCount(nint device, out uint count);

    /// <summary>NOT_FOUND for an empty slot. MIG handles can be invalidated and reused: do not cache them.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMigDeviceHandleByIndex")]
    internal static partial int DeviceGetMigDeviceHandleByIndex(nint device, uint index, out nint migDevice);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetGpuInstanceId")]
    internal static partial int DeviceGetGpuInstanceId(nint device, out uint id);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeInstanceId")]
    internal static partial int DeviceGetComputeInstanceId(nint device, out uint id);

    /// <summary>
    /// In/out count. Records are 24 bytes by the header, but R535 wrote 32, so the buffer is raw bytes
    /// and the stride is probed (reference gpu-energy.md 1.6).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeRunningProcesses_v3")]
    internal static partial int DeviceGetComputeRunningProcessesV3(nint device, ref uint infoCount, byte* infos);

    /// <summary>The unversioned name is the v1 ABI: 16-byte records. For drivers before R510.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeRunningProcesses")]
    internal static partial int DeviceGetComputeRunningProcessesV1(nint device, ref uint infoCount, NvmlProcessInfoV1* infos);
}
