using System.Text.Json;
using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// The spine, with every part real: the fake NVML library (spiky power traces) loaded by the agent's
/// P/Invoke code, a vLLM-format server whose counters grow at known rates, the agent process, the
/// collector process, and a scrape of /metrics. Tokens per joule must equal the ground truth within 1%.
/// </summary>
[Collection("processes")]
public sealed class SpineEndToEndTests(ITestOutputHelper output)
{
    // GPU 0: 100 W with a 400 W spike for the last 0.2 s of every second → exactly 160 W on average.
    // Sampling its instantaneous power once a second would usually read 100 W (37.5% low).
    private const double Gpu0AverageWatts = 160;

    // GPU 1: 200 W, then 260 W for the second half of every second → 230 W on average.
    private const double Gpu1AverageWatts = 230;

    private const double ServerAOutputPerSecond = 1000;
    private const double ServerAInputPerSecond = 300;
    private const double ServerBOutputPerSecond = 500;
    private const double ServerBInputPerSecond = 200;

    private const string Token = "e2e-token-0123456789abcdef";

    [Fact]
    public async Task Tokens_per_joule_per_server_node_and_fleet_match_ground_truth_within_one_percent()
    {
        var dir = Directory.CreateTempSubdirectory("telemetry-e2e-");
        try
        {
            var nvmlConfig = Path.Combine(dir.FullName, "fake-nvml.conf");
            await File.WriteAllTextAsync(nvmlConfig, """
                devices=2
                energy_update_ms=10
                device0.name=NVIDIA H100 80GB HBM3
                device0.uuid=GPU-e2e00000-0000-0000-0000-000000000000
                device0.power_limit_w=700
                device0.period_s=1.0
                device0.trace=0:100,0.8:400
                device1.name=NVIDIA H100 80GB HBM3
                device1.uuid=GPU-e2e11111-1111-1111-1111-111111111111
                device1.period_s=1.0
                device1.trace=0:200,0.5:260
                """);

            await using var vllm = new FakeVllmServer(RepoPaths.FreePort(), new Dictionary<string, (string, double, double)>
            {
                ["a"] = ("llama-a", ServerAInputPerSecond, ServerAOutputPerSecond),
                ["b"] = ("llama-b", ServerBInputPerSecond, ServerBOutputPerSecond),
            });
            await vllm.StartAsync();

            var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
            using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
            {
                ["Collector__Listen"] = collectorUrl,
                ["Collector__Windows__0"] = "10s",
                ["Collector__Windows__1"] = "1m",
                ["Collector__Auth__Tokens__0__Token"] = Token,
                ["Collector__Auth__Tokens__0__Nodes__0"] = "e2e-node",
            });
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await Poll.UntilAsync(async () => (await TryGet(http, collectorUrl + "/readyz")) is not null, TimeSpan.FromSeconds(30), () => collector.Output);

            using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], new Dictionary<string, string>
            {
                ["FAKE_NVML_CONFIG"] = nvmlConfig,
                ["Agent__Node"] = "e2e-node",
                ["Agent__Site"] = "lab",
                ["Agent__Pool"] = "h100",
                ["Agent__IntervalSeconds"] = "1",
                ["Agent__Collector__Url"] = collectorUrl,
                ["Agent__Collector__Token"] = Token,
                ["Agent__Power__Sources__0"] = "nvml",
                ["Agent__Power__Nvml__LibraryPath"] = RepoPaths.FakeNvml,
                ["Agent__Servers__0__Name"] = "a",
                ["Agent__Servers__0__Url"] = vllm.BaseUrl + "/a/metrics",
                ["Agent__Servers__0__Engine"] = "vllm",
                ["Agent__Servers__0__Gpus__0"] = "0",
                ["Agent__Servers__1__Name"] = "b",
                ["Agent__Servers__1__Url"] = vllm.BaseUrl + "/b/metrics",
                ["Agent__Servers__1__Engine"] = "auto",
                ["Agent__Servers__1__Gpus__0"] = "GPU-e2e11111-1111-1111-1111-111111111111",
            });
            string Logs() => $"--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";

            // Wait until the 10 s window of server b is full of data (both servers start together).
            await Poll.UntilAsync(async () => await CoveredSeconds(http, collectorUrl, "b") >= 10, TimeSpan.FromSeconds(60), Logs);

            var metrics = await http.GetStringAsync(collectorUrl + "/metrics");
            double Kpi(string scope, string tokenType, params (string, string)[] labels) =>
                ExpositionText.Find(metrics, "inference_kpi_tokens_per_joule", [("scope", scope), ("window", "10s"), ("token_type", tokenType), .. labels])
                ?? throw new Xunit.Sdk.XunitException($"no {scope} {tokenType} tokens/J for {string.Join(",", labels)} in:\n{metrics}\n{Logs()}");

            AssertWithin(ServerAOutputPerSecond / Gpu0AverageWatts, Kpi("server", "output", ("server", "a"), ("model", "llama-a")), "server a output tokens/J", metrics);
            AssertWithin(ServerAInputPerSecond / Gpu0AverageWatts, Kpi("server", "input", ("server", "a")), "server a input tokens/J", metrics);
            AssertWithin(ServerBOutputPerSecond / Gpu1AverageWatts, Kpi("server", "output", ("server", "b"), ("engine", "vllm")), "server b output tokens/J", metrics);
            const double nodeOutput = ServerAOutputPerSecond + ServerBOutputPerSecond;
            const double nodeTotal = nodeOutput + ServerAInputPerSecond + ServerBInputPerSecond;
            AssertWithin(nodeOutput / (Gpu0AverageWatts + Gpu1AverageWatts), Kpi("node", "output", ("node", "e2e-node"), ("site", "lab"), ("pool", "h100")), "node output tokens/J", metrics);
            AssertWithin(nodeTotal / (Gpu0AverageWatts + Gpu1AverageWatts), Kpi("fleet", "total"), "fleet total tokens/J", metrics);

            // The raw series are there too, in base units, with the contract labels.
            Assert.Equal(1, ExpositionText.Find(metrics, "inference_node_up", ("node", "e2e-node")));
            Assert.NotNull(ExpositionText.Find(metrics, "inference_gpu_energy_joules_total", ("gpu", "0"), ("gpu_uuid", "GPU-e2e00000-0000-0000-0000-000000000000"), ("gpu_model", "NVIDIA H100 80GB HBM3")));
            Assert.Equal(700, ExpositionText.Find(metrics, "inference_gpu_power_limit_watts", ("gpu", "0")));
            Assert.NotNull(ExpositionText.Find(metrics, "inference_tokens_total", ("server", "a"), ("model", "llama-a"), ("token_type", "output"), ("engine_index", "0")));
            AssertWithin(ServerBOutputPerSecond, ExpositionText.Find(metrics, "inference_kpi_tokens_per_second", ("scope", "server"), ("server", "b"), ("window", "10s"), ("token_type", "output")) ?? 0, "server b output tokens/s", metrics);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private void AssertWithin(double expected, double actual, string what, string metrics)
    {
        var error = Math.Abs(actual - expected) / expected;
        output.WriteLine($"{what}: expected {expected:0.0000}, measured {actual:0.0000} ({error:P3} off)");
        Assert.True(error <= 0.01, $"{what}: expected {expected:0.0000} ± 1%, got {actual:0.0000} ({error:P2} off)\n{metrics}");
    }

    private static async Task<string?> TryGet(HttpClient http, string url)
    {
        try
        {
            return await http.GetStringAsync(url);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<double> CoveredSeconds(HttpClient http, string collectorUrl, string server)
    {
        var json = await TryGet(http, collectorUrl + "/api/v1/kpis?scope=server&window=10s");
        if (json is null)
        {
            return 0;
        }

        using var doc = JsonDocument.Parse(json);
        foreach (var k in doc.RootElement.GetProperty("kpis").EnumerateArray())
        {
            if (k.GetProperty("labels").GetProperty("server").GetString() == server)
            {
                return k.GetProperty("covered_seconds").GetDouble();
            }
        }

        return 0;
    }
}
