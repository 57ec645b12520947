using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

[Collection(SharedFakeNvml.Name)]
public sealed class DeviceReadingTests
{
    private const string H100 = """
        devices=2
        energy_update_ms=0
        device0.name=NVIDIA H100 80GB HBM3
        device0.uuid=GPU-11111111-2222-3333-4444-555555555555
        device0.power_w=123.456
        device0.power_limit_w=700
        device0.utilization=87
        device0.memory_total=85899345920
        device0.memory_used=42949672960
        device0.memory_reserved=536870912
        device0.temperature=61
        device1.uuid=GPU-99999999-2222-3333-4444-555555555555
        """;

    // 95 characters: the longest name NVML_DEVICE_NAME_V2_BUFFER_SIZE (96 with NUL) allows.
    private static readonly string LongestName = "NVIDIA " + new string('X', 88);

    [Fact]
    public void Open_device_reads_name_and_uuid_with_96_byte_buffers()
    {
        FakeNvml.Configure(H100 + $"\ndevice1.name={LongestName}");
        using var nvml = FakeNvml.Open();

        var h100 = nvml.OpenDevice(0);
        var longest = nvml.OpenDevice(1);

        Assert.Equal("NVIDIA H100 80GB HBM3", h100.Name);
        Assert.Equal("GPU-11111111-2222-3333-4444-555555555555", h100.Uuid);
        Assert.Equal(0, h100.Index);
        Assert.Equal(95, longest.Name.Length);
        Assert.Equal(LongestName, longest.Name);
        Assert.Equal("GPU-99999999-2222-3333-4444-555555555555", longest.Uuid);
        Assert.Equal(1, longest.Index);
    }

    [Fact]
    public void Power_and_limit_convert_milliwatts_to_watts_exactly()
    {
        FakeNvml.Configure(H100);
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        Assert.Equal(new NvmlResult<double>(123.456, NvmlReturn.Success), device.ReadPowerWatts());
        Assert.Equal(new NvmlResult<double>(700.0, NvmlReturn.Success), device.ReadPowerLimitWatts());
    }

    [Fact]
    public void Energy_converts_millijoules_to_joules_exactly()
    {
        FakeNvml.Configure(H100);
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        FakeNvml.SetTime(2.5);
        var energy = device.ReadEnergyJoules();

        // 123 456 mW x 2.5 s = 308 640 mJ.
        Assert.Equal(NvmlReturn.Success, energy.Status);
        Assert.Equal(308.64, energy.Value);
    }

    [Fact]
    public void Utilization_memory_and_temperature()
    {
        FakeNvml.Configure(H100);
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        Assert.Equal(0.87, device.ReadUtilizationRatio().Value);
        Assert.Equal(61.0, device.ReadTemperatureCelsius().Value);
        var memory = device.ReadMemory();
        Assert.True(memory.IsSuccess);
        // nvmlMemory_v2_t.used excludes the reserved memory (v1 would report 42949672960 + 536870912).
        Assert.Equal((85899345920ul, 42949672960ul), memory.Value);
        Assert.False(device.UsesMemoryInfoV1);
    }

    [Fact]
    public void Energy_not_supported_is_a_status_not_an_exception()
    {
        FakeNvml.Configure("device0.arch=4\ndevice0.energy=unsupported");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        var energy = device.ReadEnergyJoules();

        Assert.Equal(NvmlReturn.NotSupported, energy.Status);
        Assert.False(energy.IsSuccess);
        Assert.Equal(0.0, energy.Value);
        Assert.True(device.ReadPowerWatts().IsSuccess);
    }

    [Fact]
    public void Gpu_is_lost_after_the_configured_number_of_device_calls()
    {
        // OpenDevice spends two calls (name, UUID); calls 3 and 4 succeed, the fifth finds the GPU lost.
        FakeNvml.Configure("device0.lost_after_calls=4");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        Assert.Equal(NvmlReturn.Success, device.ReadPowerWatts().Status);
        Assert.Equal(NvmlReturn.Success, device.ReadEnergyJoules().Status);
        Assert.Equal(NvmlReturn.GpuIsLost, device.ReadPowerWatts().Status);
        Assert.Equal(NvmlReturn.GpuIsLost, device.ReadMemory().Status);
        Assert.Equal(NvmlReturn.GpuIsLost, device.ReadTemperatureCelsius().Status);
    }

    [Fact]
    public void Open_device_throws_when_the_gpu_is_already_lost()
    {
        FakeNvml.Configure("device0.lost_after_calls=1");
        using var nvml = FakeNvml.Open();

        var ex = Assert.Throws<NvmlException>(() => nvml.OpenDevice(0));

        Assert.Equal(NvmlReturn.GpuIsLost, ex.Code);
        Assert.Equal("nvmlDeviceGetUUID", ex.Function);
        Assert.Equal("nvmlDeviceGetUUID failed: NVML_ERROR_GPU_IS_LOST (15): GPU is lost", ex.Message);
    }

    [Fact]
    public void Open_device_without_permission_throws_but_counts_the_device()
    {
        FakeNvml.Configure("devices=2\ndevice1.no_permission=1");
        using var nvml = FakeNvml.Open();

        var ex = Assert.Throws<NvmlException>(() => nvml.OpenDevice(1));

        Assert.Equal(2, nvml.DeviceCount);
        Assert.Equal(NvmlReturn.NoPermission, ex.Code);
        Assert.Equal("nvmlDeviceGetHandleByIndex_v2", ex.Function);
        Assert.Equal("NVIDIA H100 80GB HBM3", nvml.OpenDevice(0).Name);
    }

    [Fact]
    public void Index_past_the_count_is_an_invalid_argument()
    {
        FakeNvml.Configure("devices=1");
        using var nvml = FakeNvml.Open();

        var ex = Assert.Throws<NvmlException>(() => nvml.OpenDevice(1));

        Assert.Equal(NvmlReturn.InvalidArgument, ex.Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => nvml.OpenDevice(-1));
    }

    [Fact]
    public void Readings_after_dispose_report_uninitialized()
    {
        FakeNvml.Configure("devices=1");
        var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);
        nvml.Dispose();

        Assert.Equal(NvmlReturn.Uninitialized, device.ReadEnergyJoules().Status);
        Assert.Equal(NvmlReturn.Uninitialized, device.ReadPowerWatts().Status);
        Assert.Equal(NvmlReturn.Uninitialized, device.ReadMemory().Status);
        Assert.Equal(NvmlReturn.Uninitialized, device.ReadUtilizationRatio().Status);
        Assert.Throws<ObjectDisposedException>(() => nvml.OpenDevice(0));
    }
}
