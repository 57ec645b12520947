using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// Server ↔ GPU attribution discovered, not configured: the vLLM-format server listens in this test
/// process, the fake NVML lists this process as a compute process on GPU 1 only, and the agent must
/// find the server's port → socket → PID (real /proc) → GPU 1, and charge it that GPU's energy.
/// </summary>
[Collection("processes")]
public sealed class DiscoveryEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_server_without_configured_gpus_is_charged_the_gpu_its_process_runs_on()
    {
        var dir = Directory.CreateTempSubdirectory("telemetry-discovery-");
        try
        {
            var nvmlConfig = Path.Combine(dir.FullName, "fake-nvml.conf");
            await File.WriteAllTextAsync(nvmlConfig, $"""
                devices=2
                energy_update_ms=10
                device0.name=NVIDIA H100 80GB HBM3
                device0.uuid=GPU-d0000000-0000-0000-0000-000000000000
                device0.power_w=100
                device1.name=NVIDIA H100 80GB HBM3
                device1.uuid=GPU-d1111111-1111-1111-1111-111111111111
                device1.power_w=250
                device1.processes={Environment.ProcessId}:1073741824
                """);
            await using var vllm = new FakeVllmServer(RepoPaths.FreePort(), new Dictionary<string, (string, double, double)> { ["a"] = ("llama-a", 100, 500) });
            await vllm.StartAsync();

            var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
            using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [],
                new Dictionary<string, string> { ["Collector__Listen"] = collectorUrl, ["Collector__Windows__0"] = "10s" });
            using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], new Dictionary<string, string>
            {
                ["FAKE_NVML_CONFIG"] = nvmlConfig,
                ["Agent__Node"] = "discovery-node",
                ["Agent__Collector__Url"] = collectorUrl,
                ["Agent__Power__Sources__0"] = "nvml",
                ["Agent__Power__Nvml__LibraryPath"] = RepoPaths.FakeNvml,
                ["Agent__Servers__0__Name"] = "a",
                ["Agent__Servers__0__Url"] = vllm.BaseUrl + "/a/metrics",
                // A second, idle server with configured GPUs, so "the only server gets all GPUs" cannot explain the result.
                ["Agent__Servers__1__Name"] = "idle",
                ["Agent__Servers__1__Url"] = $"http://127.0.0.1:{RepoPaths.FreePort()}/metrics",
                ["Agent__Servers__1__Gpus__0"] = "0",
            });
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string Logs() => $"--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";

            double? tokensPerJoule = null;
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    var metrics = await http.GetStringAsync(collectorUrl + "/metrics");
                    tokensPerJoule = ExpositionText.Find(metrics, "inference_kpi_tokens_per_joule", ("scope", "server"), ("server", "a"), ("window", "10s"), ("token_type", "output"));
                    return tokensPerJoule is not null && ExpositionText.Find(metrics, "inference_kpi_energy_joules", ("scope", "server"), ("server", "a"), ("window", "10s")) > 250 * 9;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), Logs);

            output.WriteLine($"server a: {tokensPerJoule:0.0000} output tokens/J (expected {500.0 / 250:0.0000})");
            Assert.InRange(tokensPerJoule!.Value, 500.0 / 250 * 0.99, 500.0 / 250 * 1.01);
            Assert.Contains("GPU-d1111111", agent.Output, StringComparison.Ordinal); // the attribution is logged
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
