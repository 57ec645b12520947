using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>Running processes through <c>_v3</c> with the stride probe (reference 1.6).</summary>
[Collection(SharedFakeNvml.Name)]
public sealed class ProcessListTests
{
    private const string TwoProcesses = "device0.processes=4242:1073741824,31337:2147483648";

    [Theory]
    [InlineData(24)]
    [InlineData(32)] // the R535 driver's records: decoding them at 24 bytes would scramble the second PID
    public void Pids_and_memory_decode_at_the_stride_the_driver_wrote(int stride)
    {
        FakeNvml.Configure($"proc_stride={stride}\n{TwoProcesses}");
        using var nvml = FakeNvml.Open();
        var device = nvml.OpenDevice(0);

        var processes = device.ReadComputeProcesses();

        Assert.Equal(NvmlReturn.Success, processes.Status);
        Assert.Equal([new NvmlProcess(4242, 1073741824), new NvmlProcess(31337, 2147483648)], processes.Value);
        Assert.Equal(stride, nvml.ProcessStride);
    }

    [Fact]
    public void No_processes_is_an_empty_list()
    {
        FakeNvml.Configure("devices=1");
        using var nvml = FakeNvml.Open();

        var processes = nvml.OpenDevice(0).ReadComputeProcesses();

        Assert.Equal(NvmlReturn.Success, processes.Status);
        Assert.Empty(processes.Value);
        Assert.Equal(0, nvml.ProcessStride); // nothing to probe yet
    }

    [Fact]
    public void One_process_at_stride_32_is_detected_too()
    {
        FakeNvml.Configure("proc_stride=32\ndevice0.processes=77:5");
        using var nvml = FakeNvml.Open();

        var processes = nvml.OpenDevice(0).ReadComputeProcesses();

        Assert.Equal([new NvmlProcess(77, 5)], processes.Value);
        Assert.Equal(32, nvml.ProcessStride);
    }
}
