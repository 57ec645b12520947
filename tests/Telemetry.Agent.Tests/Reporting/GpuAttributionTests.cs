using Telemetry.Agent.Configuration;
using Telemetry.Agent.Discovery;
using Telemetry.Agent.Power;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Tests.Discovery;

namespace Telemetry.Agent.Tests.Reporting;

public sealed class GpuAttributionTests
{
    private static GpuReading Gpu(uint index, params int[] pids) => new()
    {
        Index = index,
        Uuid = $"GPU-{index}",
        Name = "NVIDIA L4",
        Source = "nvml",
        ProcessIds = pids,
    };

    [Fact]
    public void Configured_gpus_win_over_discovery()
    {
        using var proc = new FakeProc().Socket(8000, 1).Process(100, 1, "vllm", 1);
        var a = new ServerOptions { Name = "a", Url = "http://127.0.0.1:8000/metrics", Gpus = ["GPU-1"] };
        var result = new GpuAttribution(new ServerProcessFinder(proc.Root), TimeSpan.FromMinutes(1))
            .Resolve([a], [Gpu(0, 100), Gpu(1)], 0);
        Assert.Equal(["GPU-1"], result["a"]);
    }

    [Fact]
    public void Two_servers_are_discovered_on_their_own_gpus_through_child_processes()
    {
        using var proc = new FakeProc()
            .Socket(8000, 11).Socket(8001, 12)
            .Process(100, 1, "vllm", 11).Process(101, 100, "EngineCore").Process(102, 101, "Worker_TP0").Process(103, 101, "Worker_TP1")
            .Process(200, 1, "llama-server", 12);
        var a = new ServerOptions { Name = "a", Url = "http://127.0.0.1:8000/metrics" };
        var b = new ServerOptions { Name = "b", Url = "http://localhost:8001/metrics" };
        var gpus = new[] { Gpu(0, 102), Gpu(1, 103), Gpu(2, 200), Gpu(3, 999) };

        var result = new GpuAttribution(new ServerProcessFinder(proc.Root), TimeSpan.FromMinutes(1)).Resolve([a, b], gpus, 0);

        Assert.Equal(["GPU-0", "GPU-1"], result["a"]);
        Assert.Equal(["GPU-2"], result["b"]); // GPU-3 runs someone else's process: idle burn for this agent
    }

    [Fact]
    public void Undiscoverable_single_server_falls_back_to_all_gpus_and_several_to_none()
    {
        using var proc = new FakeProc();
        var finder = new ServerProcessFinder(proc.Root);
        var a = new ServerOptions { Name = "a", Url = "http://127.0.0.1:8000/metrics" };
        var b = new ServerOptions { Name = "b", Url = "http://127.0.0.1:8001/metrics" };
        Assert.Equal(["GPU-0", "GPU-1"], new GpuAttribution(finder, TimeSpan.FromMinutes(1)).Resolve([a], [Gpu(0, 5), Gpu(1)], 0)["a"]);
        Assert.Empty(new GpuAttribution(finder, TimeSpan.FromMinutes(1)).Resolve([a, b], [Gpu(0, 5), Gpu(1)], 0)["a"]);
    }

    [Fact]
    public void A_server_that_moves_is_rediscovered_when_nvml_process_lists_change()
    {
        using var proc = new FakeProc().Socket(8000, 11).Process(100, 1, "vllm", 11).Process(101, 100, "worker");
        var attribution = new GpuAttribution(new ServerProcessFinder(proc.Root), TimeSpan.FromHours(1));
        var a = new ServerOptions { Name = "a", Url = "http://127.0.0.1:8000/metrics" };
        var b = new ServerOptions { Name = "b", Gpus = ["2"] };
        Assert.Equal(["GPU-0"], attribution.Resolve([a, b], [Gpu(0, 101), Gpu(1), Gpu(2)], 0)["a"]);

        proc.Process(102, 100, "new worker"); // the server restarted its worker on another GPU
        Assert.Equal(["GPU-1"], attribution.Resolve([a, b], [Gpu(0), Gpu(1, 102), Gpu(2)], 1000)["a"]);
    }

    [Theory]
    [InlineData("GPU-0", 0.5)]
    [InlineData("GPU-1", 1.0)]
    [InlineData("GPU-9", 0.0)]
    public void A_shared_gpu_is_split_equally(string gpu, double share)
    {
        var attribution = new Dictionary<string, IReadOnlyList<string>>
        {
            ["a"] = ["GPU-0", "GPU-1"],
            ["b"] = ["GPU-0"],
            ["c"] = [],
        };
        Assert.Equal(share, GpuAttribution.ShareOf(gpu, attribution));
    }
}
