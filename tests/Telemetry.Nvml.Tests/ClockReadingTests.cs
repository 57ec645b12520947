using Telemetry.Nvml.Interop;
using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>
/// <c>nvmlDeviceGetClockInfo</c> and <c>nvmlDeviceGetMaxClockInfo</c> through the real bindings against the fake:
/// MHz converted to Hz, and the optional-reading statuses (3 NOT_SUPPORTED, 15 GPU_IS_LOST) passed through.
/// </summary>
[Collection(SharedFakeNvml.Name)]
public sealed class ClockReadingTests
{
    [Fact]
    public void Current_and_maximum_clocks_of_each_domain_are_read_in_hertz()
    {
        FakeNvml.Configure("""
            device0.sm_clock=1410
            device0.mem_clock=1593
            device0.graphics_clock=1395
            device0.sm_clock_max=1980
            device0.mem_clock_max=2619
            device0.graphics_clock_max=1965
            """);
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        Assert.Equal(new NvmlResult<double>(1410e6, NvmlReturn.Success), device.ReadClockHertz(NvmlClockType.Sm));
        Assert.Equal(new NvmlResult<double>(1593e6, NvmlReturn.Success), device.ReadClockHertz(NvmlClockType.Memory));
        Assert.Equal(new NvmlResult<double>(1395e6, NvmlReturn.Success), device.ReadClockHertz(NvmlClockType.Graphics));
        Assert.Equal(new NvmlResult<double>(1980e6, NvmlReturn.Success), device.ReadMaxClockHertz(NvmlClockType.Sm));
        Assert.Equal(new NvmlResult<double>(2619e6, NvmlReturn.Success), device.ReadMaxClockHertz(NvmlClockType.Memory));
        Assert.Equal(new NvmlResult<double>(1965e6, NvmlReturn.Success), device.ReadMaxClockHertz(NvmlClockType.Graphics));
    }

    [Fact]
    public void Graphics_clock_follows_the_sm_clock_unless_configured_and_video_is_not_supported()
    {
        FakeNvml.Configure("device0.sm_clock=1200\ndevice0.sm_clock_max=1755");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        Assert.Equal(1200e6, device.ReadClockHertz(NvmlClockType.Graphics).Value);
        Assert.Equal(1755e6, device.ReadMaxClockHertz(NvmlClockType.Graphics).Value);
        Assert.Equal(new NvmlResult<double>(0, NvmlReturn.NotSupported), device.ReadClockHertz(NvmlClockType.Video));
    }

    [Fact]
    public void Unsupported_clocks_return_not_supported_and_no_value()
    {
        FakeNvml.Configure("devices=2\ndevice0.clocks=unsupported\ndevice1.clocks=max_unsupported\ndevice1.sm_clock=900");
        using var nvml = FakeNvml.Open();
        var none = nvml.OpenDevice(0);
        var currentOnly = nvml.OpenDevice(1);

        Assert.Equal(new NvmlResult<double>(0, NvmlReturn.NotSupported), none.ReadClockHertz(NvmlClockType.Sm));
        Assert.Equal(new NvmlResult<double>(0, NvmlReturn.NotSupported), none.ReadMaxClockHertz(NvmlClockType.Memory));
        Assert.Equal(new NvmlResult<double>(900e6, NvmlReturn.Success), currentOnly.ReadClockHertz(NvmlClockType.Sm));
        Assert.Equal(new NvmlResult<double>(0, NvmlReturn.NotSupported), currentOnly.ReadMaxClockHertz(NvmlClockType.Sm));
    }

    [Fact]
    public void A_lost_gpu_answers_gpu_is_lost_and_comes_back()
    {
        FakeNvml.Configure("device0.sm_clock=1500");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        FakeNvml.SetLost(0, true);
        try
        {
            Assert.Equal(NvmlReturn.GpuIsLost, device.ReadClockHertz(NvmlClockType.Sm).Status);
            Assert.Equal(NvmlReturn.GpuIsLost, device.ReadMaxClockHertz(NvmlClockType.Sm).Status);
        }
        finally
        {
            FakeNvml.SetLost(0, false);
        }

        Assert.Equal(1500e6, device.ReadClockHertz(NvmlClockType.Sm).Value);
    }

    [Fact]
    public void Raw_calls_reject_an_unknown_clock_type_and_calls_after_shutdown()
    {
        FakeNvml.Configure("devices=1");
        nint handle;
        using (var nvml = FakeNvml.Open())
        {
            Assert.Equal(0, NvmlNative.DeviceGetHandleByIndex(0, out handle));
            Assert.Equal(2, NvmlNative.DeviceGetClockInfo(handle, 7, out _));     // INVALID_ARGUMENT
            Assert.Equal(2, NvmlNative.DeviceGetMaxClockInfo(handle, -1, out _)); // INVALID_ARGUMENT
            Assert.Equal(2, NvmlNative.DeviceGetMaxClockInfo(0x1234, 1, out _));  // a handle never issued
            Assert.Equal(0, NvmlNative.DeviceGetMaxClockInfo(handle, 1, out var mhz));
            Assert.Equal(1980u, mhz); // H100 SXM5 default
        }

        Assert.Equal(1, NvmlNative.DeviceGetMaxClockInfo(handle, 1, out _)); // UNINITIALIZED
    }

    [Fact]
    public void Reads_after_the_library_is_disposed_are_uninitialized()
    {
        FakeNvml.Configure("devices=1");
        var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);
        nvml.Dispose();

        Assert.Equal(NvmlReturn.Uninitialized, device.ReadMaxClockHertz(NvmlClockType.Sm).Status);
    }

    [Fact]
    public void Bad_clock_config_values_are_rejected_with_the_line()
    {
        Assert.Equal(1, FakeNvml.TryConfigure("device0.clocks=sometimes"));
        Assert.Equal(2, FakeNvml.TryConfigure("devices=1\ndevice0.sm_clock_max=100001"));
    }
}
