using System.Runtime.InteropServices;

namespace Telemetry.Nvml.Interop;

// Layouts of nvml.h (NVML 13.3) on x86-64 Linux, checked with sizeof/offsetof (reference gpu-energy.md 1.4).
// The tests assert the sizes and offsets.

/// <summary><c>nvmlUtilization_t</c>: 8 bytes, percent over the last sample period.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlUtilization
{
    public uint Gpu;
    public uint Memory;
}

/// <summary><c>nvmlMemory_t</c> (v1): 24 bytes; <c>used</c> includes reserved memory.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlMemory
{
    public ulong Total;
    public ulong Free;
    public ulong Used;
}

/// <summary><c>nvmlMemory_v2_t</c>: 40 bytes, 4 bytes of padding after <c>version</c>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct NvmlMemoryV2
{
    /// <summary>NVML_STRUCT_VERSION(Memory, 2) = sizeof(nvmlMemory_v2_t) | 2 &lt;&lt; 24.</summary>
    public const uint Version2 = 0x02000028;

    [FieldOffset(0)]
    public uint Version;

    [FieldOffset(8)]
    public ulong Total;

    [FieldOffset(16)]
    public ulong Reserved;

    [FieldOffset(24)]
    public ulong Free;

    [FieldOffset(32)]
    public ulong Used;
}

/// <summary><c>nvmlTemperature_t</c> (v1): 12 bytes, in/out for <c>nvmlDeviceGetTemperatureV</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlTemperature
{
    /// <summary>NVML_STRUCT_VERSION(Temperature, 1) = sizeof(nvmlTemperature_v1_t) | 1 &lt;&lt; 24.</summary>
    public const uint Version1 = 0x0100000C;

    public uint Version;
    public int SensorType;
    public int Temperature;
}

/// <summary><c>nvmlFieldValue_t</c>: 40 bytes; the union is read by <see cref="ValueType"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct NvmlFieldValue
{
    internal const uint TotalEnergyConsumption = 83; // NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION, mJ
    internal const uint PowerAverage = 185;          // NVML_FI_DEV_POWER_AVERAGE, mW over 1 s (12.2+ headers)
    internal const uint PowerInstant = 186;          // NVML_FI_DEV_POWER_INSTANT, mW
    internal const uint Energy = 191;                // NVML_FI_DEV_ENERGY, mJ
    internal const int ValueTypeUnsignedInt = 1;     // NVML_VALUE_TYPE_UNSIGNED_INT
    internal const int ValueTypeUnsignedLongLong = 3;

    [FieldOffset(0)]
    public uint FieldId;

    /// <summary>Power scope: 0 = GPU, 1 = module.</summary>
    [FieldOffset(4)]
    public uint ScopeId;

    [FieldOffset(8)]
    public long TimestampMicroseconds;

    [FieldOffset(16)]
    public long LatencyMicroseconds;

    [FieldOffset(24)]
    public int ValueType;

    [FieldOffset(28)]
    public int NvmlReturn;

    [FieldOffset(32)]
    public uint UInt;

    [FieldOffset(32)]
    public ulong ULongLong;
}

/// <summary><c>nvmlPciInfo_t</c>: 68 bytes; <c>busId</c> is "%08X:%02X:%02X.0".</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NvmlPciInfo
{
    public fixed byte BusIdLegacy[16];
    public uint Domain;
    public uint Bus;
    public uint Device;
    public uint PciDeviceId;
    public uint PciSubSystemId;
    public fixed byte BusId[32];
}

/// <summary><c>nvmlProcessInfo_v2_t</c> = <c>nvmlProcessInfo_t</c>: 24 bytes, the _v3 call's header layout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlProcessInfo
{
    public uint Pid;
    public ulong UsedGpuMemory;
    public uint GpuInstanceId;
    public uint ComputeInstanceId;
}

/// <summary><c>nvmlProcessInfo_v1_t</c>: 16 bytes, the unversioned call's layout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlProcessInfoV1
{
    public uint Pid;
    public ulong UsedGpuMemory;
}
