using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Telemetry.Nvml.Interop;
using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>Sizes and offsets from reference gpu-energy.md 1.4 (gcc 12, x86-64, nvml.h 13.3).</summary>
public sealed class InteropLayoutTests
{
    [Fact]
    public void Utilization_is_two_uints()
    {
        Assert.Equal(8, Unsafe.SizeOf<NvmlUtilization>());
        Assert.Equal(0, (int)Marshal.OffsetOf<NvmlUtilization>(nameof(NvmlUtilization.Gpu)));
        Assert.Equal(4, (int)Marshal.OffsetOf<NvmlUtilization>(nameof(NvmlUtilization.Memory)));
    }

    [Fact]
    public void Memory_v1_is_total_free_used()
    {
        Assert.Equal(24, Unsafe.SizeOf<NvmlMemory>());
        Assert.Equal(0, (int)Marshal.OffsetOf<NvmlMemory>(nameof(NvmlMemory.Total)));
        Assert.Equal(8, (int)Marshal.OffsetOf<NvmlMemory>(nameof(NvmlMemory.Free)));
        Assert.Equal(16, (int)Marshal.OffsetOf<NvmlMemory>(nameof(NvmlMemory.Used)));
    }

    [Fact]
    public void Memory_v2_has_padding_after_version()
    {
        Assert.Equal(40, Unsafe.SizeOf<NvmlMemoryV2>());
        Assert.Equal(0, (int)Marshal.OffsetOf<NvmlMemoryV2>(nameof(NvmlMemoryV2.Version)));
        Assert.Equal(8, (int)Marshal.OffsetOf<NvmlMemoryV2>(nameof(NvmlMemoryV2.Total)));
        Assert.Equal(16, (int)Marshal.OffsetOf<NvmlMemoryV2>(nameof(NvmlMemoryV2.Reserved)));
        Assert.Equal(24, (int)Marshal.OffsetOf<NvmlMemoryV2>(nameof(NvmlMemoryV2.Free)));
        Assert.Equal(32, (int)Marshal.OffsetOf<NvmlMemoryV2>(nameof(NvmlMemoryV2.Used)));
    }

    [Fact]
    public void Memory_v2_version_is_NVML_STRUCT_VERSION_of_its_size()
    {
        Assert.Equal(0x02000028u, NvmlMemoryV2.Version2);
        Assert.Equal(NvmlMemoryV2.Version2, (uint)Unsafe.SizeOf<NvmlMemoryV2>() | (2u << 24));
    }

    [Fact]
    public void Field_value_used_against_the_fake_is_forty_bytes()
    {
        Assert.Equal(40, Unsafe.SizeOf<NvmlFieldValue>());
        Assert.Equal(24, (int)Marshal.OffsetOf<NvmlFieldValue>(nameof(NvmlFieldValue.ValueType)));
        Assert.Equal(28, (int)Marshal.OffsetOf<NvmlFieldValue>(nameof(NvmlFieldValue.NvmlReturn)));
        Assert.Equal(32, (int)Marshal.OffsetOf<NvmlFieldValue>(nameof(NvmlFieldValue.ULongLong)));
    }

    [Fact]
    public void Pci_info_v3_is_68_bytes_with_busId_at_36()
    {
        Assert.Equal(68, Unsafe.SizeOf<NvmlPciInfo>());
        Assert.Equal(16, (int)Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.Domain)));
        Assert.Equal(28, (int)Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.PciDeviceId)));
        Assert.Equal(36, (int)Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.BusId)));
    }

    [Fact]
    public void Process_info_is_24_bytes_and_v1_is_16()
    {
        Assert.Equal(24, Unsafe.SizeOf<NvmlProcessInfo>());
        Assert.Equal(8, (int)Marshal.OffsetOf<NvmlProcessInfo>(nameof(NvmlProcessInfo.UsedGpuMemory)));
        Assert.Equal(16, (int)Marshal.OffsetOf<NvmlProcessInfo>(nameof(NvmlProcessInfo.GpuInstanceId)));
        Assert.Equal(20, (int)Marshal.OffsetOf<NvmlProcessInfo>(nameof(NvmlProcessInfo.ComputeInstanceId)));
        Assert.Equal(16, Unsafe.SizeOf<NvmlProcessInfoV1>());
        Assert.Equal(NvmlDevice.ProcessStrideHeader, Unsafe.SizeOf<NvmlProcessInfo>());
    }

    [Fact]
    public void Temperature_v1_is_12_bytes_and_its_version_is_NVML_STRUCT_VERSION()
    {
        Assert.Equal(12, Unsafe.SizeOf<NvmlTemperature>());
        Assert.Equal(NvmlTemperature.Version1, (uint)Unsafe.SizeOf<NvmlTemperature>() | (1u << 24));
    }
}
