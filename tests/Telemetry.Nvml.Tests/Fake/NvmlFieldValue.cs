using System.Runtime.InteropServices;

namespace Telemetry.Nvml.Tests.Fake;

/// <summary><c>nvmlFieldValue_t</c> (40 bytes, nvml.h); the union is read by <see cref="ValueType"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct NvmlFieldValue
{
    internal const uint TotalEnergyConsumption = 83; // NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION, mJ
    internal const uint PowerAverage = 185;          // NVML_FI_DEV_POWER_AVERAGE, mW over 1 s
    internal const uint PowerInstant = 186;          // NVML_FI_DEV_POWER_INSTANT, mW
    internal const uint Energy = 191;                // NVML_FI_DEV_ENERGY, mJ
    internal const int ValueTypeUnsignedInt = 1;     // NVML_VALUE_TYPE_UNSIGNED_INT
    internal const int ValueTypeUnsignedLongLong = 3;

    [FieldOffset(0)]
    public uint FieldId;

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
