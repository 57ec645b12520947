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
