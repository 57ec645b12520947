using System.Text.Json;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// The spine with every part real and known ground truth: the fake NVML library (spiky power
/// traces) loaded by the agent's P/Invoke code, a vLLM-format server whose counters grow at known
/// rates, the agent process and the collector process, all on loopback. Stopped (by PID) on dispose.
/// </summary>
internal sealed class SpineRig : IAsyncDisposable
{
    // GPU 0: 100 W with a 400 W spike for the last 0.2 s of every second → exactly 160 W on average.
    // Sampling its instantaneous power once a second would usually read 100 W (37.5% low).
    public const double Gpu0AverageWatts = 160;

    // GPU 1: 200 W, then 260 W for the second half of every second → 230 W on average.
    public const double Gpu1AverageWatts = 230;

    public const double ServerAOutputPerSecond = 1000;
    public const double ServerAInputPerSecond = 300;
    public const double ServerBOutputPerSecond = 500;
    public const double ServerBInputPerSecond = 200;

    public const string Node = "e2e-node";

    // Prices given to the collector through environment variables only.
    public const double PricePerKwhUsd = 0.10;
    public const double Pue = 1.5;
    public const double GpuHourlyUsd = 3.6;
    private const string Token = "e2e-token-0123456789abcdef";

    private readonly DirectoryInfo _dir;
    private readonly FakeVllmServer _vllm;
    private readonly HostProcess _collector;
    private readonly HostProcess _agent;

    private SpineRig(DirectoryInfo dir, FakeVllmServer vllm, HostProcess collector, HostProcess agent, string collectorUrl)
    {
        _dir = dir;
        _vllm = vllm;
        _collector = collector;
        _agent = agent;
        CollectorUrl = collectorUrl;
    }

    public string CollectorUrl { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Logs => $"--- collector ---\n{_collector.Output}\n--- agent ---\n{_agent.Output}";

    public static async Task<SpineRig> StartAsync(IReadOnlyList<string> windows)
    {
        var dir = Directory.CreateTempSubdirectory("telemetry-e2e-");
        var nvmlConfig = Path.Combine(dir.FullName, "fake-nvml.conf");
        await File.WriteAllTextAsync(nvmlConfig, """
            devices=2
            energy_update_ms=10
            device0.name=NVIDIA H100 80GB HBM3
            device0.uuid=GPU-e2e00000-0000-0000-0000-000000000000
            device0.power_limit_w=700
            device0.period_s=1.0
            device0.trace=0:100,0.8:400
            device0.sm_clock=1410
            device0.sm_clock_max=1980
            device0.mem_clock=1593
            device0.mem_clock_max=2619
            device1.clocks=unsupported
            device1.name=NVIDIA H100 80GB HBM3
            device1.uuid=GPU-e2e11111-1111-1111-1111-111111111111
            device1.period_s=1.0
            device1.trace=0:200,0.5:260
            """);

        var vllm = new FakeVllmServer(RepoPaths.FreePort(), new Dictionary<string, (string, double, double)>
        {
            ["a"] = ("llama-a", ServerAInputPerSecond, ServerAOutputPerSecond),
            ["b"] = ("llama-b", ServerBInputPerSecond, ServerBOutputPerSecond),
        });
        await vllm.StartAsync();

        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var collectorEnv = new Dictionary<string, string>
        {
            ["Collector__Listen"] = collectorUrl,
            ["Collector__Auth__Tokens__0__Token"] = Token,
            ["Collector__Auth__Tokens__0__Nodes__0"] = Node,
            ["Collector__Cost__Sites__0__Name"] = "lab",
            ["Collector__Cost__Sites__0__PricePerKwhUsd"] = "0.10",
            ["Collector__Cost__Sites__0__Pue"] = "1.5",
            ["Collector__Cost__Gpus__0__Match"] = "H100",
            ["Collector__Cost__Gpus__0__HourlyUsd"] = "3.6",
        };
        for (var i = 0; i < windows.Count; i++)
        {
            collectorEnv[$"Collector__Windows__{i}"] = windows[i];
        }

        var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], collectorEnv);
        var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], new Dictionary<string, string>
        {
            ["FAKE_NVML_CONFIG"] = nvmlConfig,
            ["Agent__Node"] = Node,
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
        return new SpineRig(dir, vllm, collector, agent, collectorUrl);
    }

    /// <summary>Waits until the given window of a server scope is full of data.</summary>
    public Task WaitForFullWindowAsync(string server, string window, double seconds, TimeSpan limit) =>
        Poll.UntilAsync(async () => await CoveredSecondsAsync(server, window) >= seconds, limit, () => Logs);

    private async Task<double> CoveredSecondsAsync(string server, string window)
    {
        string json;
        try
        {
            json = await Http.GetStringAsync($"{CollectorUrl}/api/v1/kpis?scope=server&window={window}");
        }
        catch (HttpRequestException)
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

    public async ValueTask DisposeAsync()
    {
        _agent.Dispose();
        _collector.Dispose();
        await _vllm.DisposeAsync();
        Http.Dispose();
        _dir.Delete(recursive: true);
    }
}
