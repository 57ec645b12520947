using System.Runtime.InteropServices;
using Telemetry.Nvml.Interop;
using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>
/// The fake's C-level contract (reference gpu-energy.md 1.8), exercised through the product's raw bindings,
/// so other test suites can rely on it behaving like libnvidia-ml.so.1.
/// </summary>
[Collection(SharedFakeNvml.Name)]
public sealed unsafe class FakeNvmlAbiTests
{
    private static readonly string[] BothNamesExported =
    [
        "nvmlInit", "nvmlInit_v2", "nvmlInitWithFlags", "nvmlShutdown", "nvmlErrorString",
        "nvmlSystemGetDriverVersion", "nvmlSystemGetNVMLVersion", "nvmlDeviceGetCount", "nvmlDeviceGetCount_v2",
        "nvmlDeviceGetHandleByIndex", "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByUUID",
        "nvmlDeviceGetName", "nvmlDeviceGetUUID", "nvmlDeviceGetArchitecture", "nvmlDeviceGetPowerUsage",
        "nvmlDeviceGetTotalEnergyConsumption", "nvmlDeviceGetEnforcedPowerLimit", "nvmlDeviceGetUtilizationRates",
        "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetTemperature", "nvmlDeviceGetFieldValues",
        "nvmlDeviceGetClockInfo", "nvmlDeviceGetMaxClockInfo",
    ];

    [Fact]
    public void Exports_unversioned_and_versioned_names_and_the_old_build_lacks_the_newer_ones()
    {
        var main = NativeLibrary.Load(FakeNvml.MainPath);
        var old = NativeLibrary.Load(FakeNvml.OldDriverPath);
        try
        {
            foreach (var symbol in BothNamesExported)
            {
                Assert.True(NativeLibrary.TryGetExport(main, symbol, out _), symbol);
                Assert.True(NativeLibrary.TryGetExport(old, symbol, out _), symbol);
            }

            Assert.True(NativeLibrary.TryGetExport(main, "nvmlDeviceGetMemoryInfo_v2", out _));
            Assert.True(NativeLibrary.TryGetExport(main, "nvmlDeviceGetTemperatureV", out _));
            Assert.False(NativeLibrary.TryGetExport(old, "nvmlDeviceGetMemoryInfo_v2", out _));
            Assert.False(NativeLibrary.TryGetExport(old, "nvmlDeviceGetTemperatureV", out _));
            Assert.False(NativeLibrary.TryGetExport(main, "fake_config_parse", out _)); // internals stay hidden
        }
        finally
        {
            NativeLibrary.Free(old);
            NativeLibrary.Free(main);
        }
    }

    [Fact]
    public void Device_calls_before_init_return_uninitialized()
    {
        FakeNvml.Configure("devices=1");
        nint handle;
        using (var nvml = FakeNvml.Open())
        {
            Assert.Equal(0, NvmlNative.DeviceGetHandleByIndex(0, out handle));
            Assert.Equal(0, NvmlNative.DeviceGetPowerUsage(handle, out _));
        }

        Assert.Equal(1, NvmlNative.DeviceGetPowerUsage(handle, out _));
        Assert.Equal(1, NvmlNative.DeviceGetCount(out _));
        Assert.Equal(1, NvmlNative.Shutdown());
    }

    [Fact]
    public void Null_out_pointer_and_unknown_handle_are_invalid_arguments()
    {
        FakeNvml.Configure("devices=1");
        using var nvml = FakeNvml.Open();
        Assert.Equal(0, NvmlNative.DeviceGetHandleByIndex(0, out var handle));

        Assert.Equal(2, NvmlNative.DeviceGetUtilizationRates(handle, null));
        Assert.Equal(2, NvmlNative.DeviceGetPowerUsage(handle + 1, out _));
        Assert.Equal(2, NvmlNative.DeviceGetPowerUsage(0x1234, out _));
    }

    [Fact]
    public void Short_name_buffer_returns_insufficient_size_and_writes_nothing()
    {
        FakeNvml.Configure("device0.name=NVIDIA H100 80GB HBM3");
        using var nvml = FakeNvml.Open();
        Assert.Equal(0, NvmlNative.DeviceGetHandleByIndex(0, out var handle));
        Span<byte> buffer = stackalloc byte[22];
        buffer.Fill(0xAA);

        // 21 characters need 22 bytes with the NUL.
        Assert.Equal(7, NvmlNative.DeviceGetName(handle, buffer, 21));
        Assert.True(buffer.IndexOfAnyExcept((byte)0xAA) < 0);
        Assert.Equal(0, NvmlNative.DeviceGetName(handle, buffer, 22));
        Assert.Equal("NVIDIA H100 80GB HBM3", NvmlLibrary.DecodeCString(buffer));
    }

    [Fact]
    public void Memory_v2_with_a_wrong_version_is_an_argument_version_mismatch()
    {
        FakeNvml.Configure("devices=1");
        using var nvml = FakeNvml.Open();
        Assert.Equal(0, NvmlNative.DeviceGetHandleByIndex(0, out var handle));
        var memory = new NvmlMemoryV2 { Version = 0x01000028 };

        Assert.Equal(25, NvmlNative.DeviceGetMemoryInfoV2(handle, &memory));
        Assert.Equal(0ul, memory.Total);
    }

    [Fact]
    public void Field_values_report_per_entry_status_type_and_value()
    {
        FakeNvml.Configure("device0.period_s=1.0\ndevice0.trace=0:100,0.8:400");
        using var nvml = FakeNvml.Open();
        Assert.Equal(0, NvmlNative.DeviceGetHandleByIndex(0, out var handle));
        FakeNvml.SetTime(2.9);
        var values = stackalloc NvmlFieldValue[5];
        values[0].FieldId = NvmlFieldValue.TotalEnergyConsumption;
        values[1].FieldId = NvmlFieldValue.PowerAverage;
        values[2].FieldId = NvmlFieldValue.PowerInstant;
        values[3].FieldId = NvmlFieldValue.Energy;
        values[4].FieldId = 9999;

        Assert.Equal(0, FakeNvml.GetFieldValues(handle, 5, values));

        // 2 periods x 160 J + 0.8 x 100 + 0.1 x 400 = 440 J at t = 2.9 s (a 100 ms boundary).
        Assert.Equal((0, NvmlFieldValue.ValueTypeUnsignedLongLong, 440_000ul), (values[0].NvmlReturn, values[0].ValueType, values[0].ULongLong));
        Assert.Equal((0, NvmlFieldValue.ValueTypeUnsignedInt, 160_000u), (values[1].NvmlReturn, values[1].ValueType, values[1].UInt));
        Assert.Equal((0, NvmlFieldValue.ValueTypeUnsignedInt, 400_000u), (values[2].NvmlReturn, values[2].ValueType, values[2].UInt));
        Assert.Equal(440_000ul, values[3].ULongLong);
        Assert.Equal(3, values[4].NvmlReturn);
        Assert.True(values[0].TimestampMicroseconds > 1_600_000_000_000_000, "timestamp is microseconds since 1970");
    }

    [Fact]
    public void Error_strings_are_static_literals()
    {
        FakeNvml.Configure("devices=1");
        using var nvml = FakeNvml.Open();

        Assert.Equal("GPU is lost", NvmlLibrary.ErrorString(NvmlReturn.GpuIsLost));
        Assert.Equal("Driver Not Loaded", NvmlLibrary.ErrorString(NvmlReturn.DriverNotLoaded));
        Assert.Equal("Not Supported", NvmlLibrary.ErrorString(NvmlReturn.NotSupported));
        Assert.Equal("Unknown Error", NvmlLibrary.ErrorString((NvmlReturn)12345));
        Assert.Equal(NvmlNative.ErrorString(15), NvmlNative.ErrorString(15));
    }

    [Fact]
    public void Config_errors_name_the_line()
    {
        Assert.Equal(2, FakeNvml.TryConfigure("devices=2\ndevice0.nmae=typo\n"));
        Assert.Contains("nmae", FakeNvml.LastError, StringComparison.Ordinal);
        Assert.Equal(1, FakeNvml.TryConfigure("device1.name=beyond the device count\n"));
        Assert.Equal(0, FakeNvml.TryConfigure("devices=1 # trailing comment\n\n# only a comment\n"));
    }
}
