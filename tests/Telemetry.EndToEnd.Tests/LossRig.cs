using System.Globalization;
using System.Text.Json;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A sibling of <see cref="SpineRig"/> built to break things: real collector and agent processes, the
/// fake NVML with constant power (so any loss or double count shows as such, not as window-edge
/// error) and a control file for driver reloads and lost GPUs, and a vLLM-format server whose engines
/// can restart. The collector can be frozen (SIGSTOP), resumed, killed and started again on the same
/// port with empty state. Every process is stopped by PID on dispose.
/// </summary>
internal sealed class LossRig : IAsyncDisposable
{
    public const double Gpu0Watts = 150;
    public const double Gpu1Watts = 250;
    public const double ServerAOutputPerSecond = 1000;
    public const double ServerAInputPerSecond = 300;
    public const double ServerBOutputPerSecond = 500;
    public const double ServerBInputPerSecond = 200;
    public const string Token = "loss-token-0123456789abcdef";

    /// <summary>How often the agent probes a lost GPU (NvmlGpu.LostRetryInterval).</summary>
    public const int LostGpuRetrySeconds = 5;

    private readonly DirectoryInfo _dir;
    private readonly FakeVllmServer _vllm;
    private readonly Dictionary<string, string> _collectorEnv;
    private readonly List<HostProcess> _agents = [];
    private readonly List<HostProcess> _retired = [];
    private readonly string _nvmlControl;
    private HostProcess _collector;
    private int _controlVersion;

    private LossRig(DirectoryInfo dir, FakeVllmServer vllm, Dictionary<string, string> collectorEnv, string nvmlControl)
    {
        _dir = dir;
        _vllm = vllm;
        _collectorEnv = collectorEnv;
        _nvmlControl = nvmlControl;
        CollectorUrl = collectorEnv["Collector__Listen"];
        _collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], collectorEnv);
    }

    public string CollectorUrl { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Logs =>
        string.Join("\n", _retired.Concat([_collector]).Select((c, i) => $"--- collector {i} ---\n{c.Output}"))
        + string.Concat(_agents.Select((a, i) => $"\n--- agent {i} ---\n{a.Output}"));

    /// <summary>Starts the fake engines and the collector, which accepts the token for <paramref name="nodes"/>; agents are added with <see cref="StartAgent"/>.</summary>
    public static async Task<LossRig> StartAsync(IReadOnlyList<string> windows, IReadOnlyList<string> nodes)
    {
        var dir = Directory.CreateTempSubdirectory("telemetry-loss-");
        var vllm = new FakeVllmServer(RepoPaths.FreePort(), new Dictionary<string, (string, double, double)>
        {
            ["a"] = ("llama-a", ServerAInputPerSecond, ServerAOutputPerSecond),
            ["b"] = ("llama-b", ServerBInputPerSecond, ServerBOutputPerSecond),
        });
        await vllm.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["Collector__Listen"] = $"http://127.0.0.1:{RepoPaths.FreePort()}",
            ["Collector__Auth__Tokens__0__Token"] = Token,
        };
        for (var i = 0; i < windows.Count; i++)
        {
            env[$"Collector__Windows__{i}"] = windows[i];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            env[$"Collector__Auth__Tokens__0__Nodes__{i}"] = nodes[i];
        }

        var control = Path.Combine(dir.FullName, "fake-nvml.control");
        return new LossRig(dir, vllm, env, control);
    }

    /// <summary>
    /// Starts an agent for <paramref name="node"/> (GPU 0 runs server a, GPU 1 server b), optionally
    /// with extra environment (e.g. libfaketime). Each agent process has its own fake NVML state.
    /// </summary>
    public HostProcess StartAgent(string node, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var index = _agents.Count;
        var nvmlConfig = Path.Combine(_dir.FullName, $"fake-nvml-{index}.conf");
        File.WriteAllText(nvmlConfig, $"""
            devices=2
            energy_update_ms=10
            device0.uuid=GPU-1055e000-0000-0000-0000-00000000000{index}
            device0.power_w={Gpu0Watts.ToString(CultureInfo.InvariantCulture)}
            device1.uuid=GPU-1055e111-1111-1111-1111-11111111111{index}
            device1.power_w={Gpu1Watts.ToString(CultureInfo.InvariantCulture)}
            """);
        var env = new Dictionary<string, string>
        {
            ["FAKE_NVML_CONFIG"] = nvmlConfig,
            ["FAKE_NVML_CONTROL"] = _nvmlControl,
            ["Agent__Node"] = node,
            ["Agent__Site"] = "lab",
            ["Agent__Pool"] = "h100",
            ["Agent__IntervalSeconds"] = "1",
            ["Agent__Collector__Url"] = CollectorUrl,
            ["Agent__Collector__Token"] = Token,
            ["Agent__Power__Sources__0"] = "nvml",
            ["Agent__Power__Nvml__LibraryPath"] = RepoPaths.FakeNvml,
            ["Agent__Servers__0__Name"] = "a",
            ["Agent__Servers__0__Url"] = _vllm.BaseUrl + "/a/metrics",
            ["Agent__Servers__0__Engine"] = "vllm",
            ["Agent__Servers__0__Gpus__0"] = "0",
            ["Agent__Servers__1__Name"] = "b",
            ["Agent__Servers__1__Url"] = _vllm.BaseUrl + "/b/metrics",
            ["Agent__Servers__1__Engine"] = "vllm",
            ["Agent__Servers__1__Gpus__0"] = "1",
        };
        foreach (var (k, v) in extraEnvironment ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], env);
        _agents.Add(agent);
        return agent;
    }

    /// <summary>Freezes the collector (SIGSTOP): connections are accepted by the kernel, nothing answers.</summary>
    public void SuspendCollector() => _collector.Suspend();

    public void ResumeCollector() => _collector.Resume();

    /// <summary>Kills the collector: everything it held in memory is gone.</summary>
    public void KillCollector()
    {
        _collector.Dispose();
        _retired.Add(_collector);
    }

    /// <summary>A new collector process on the same address, with empty state.</summary>
    public void StartCollector() =>
        _collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], _collectorEnv);

    /// <summary>Engine <paramref name="server"/> (a or b) restarts just after its next scrape: its counters drop to 0.</summary>
    public void RestartEngine(string server) => _vllm.RestartAfterNextScrape(server);

    /// <summary>
    /// Writes the fake NVML control file (tests/native/fake-nvml/fake_nvml_control.c) of every agent:
    /// GPUs that answer GPU_IS_LOST, and how many driver reloads have happened. Replaced atomically.
    /// </summary>
    public void SetNvml(IReadOnlyList<int> lostGpus, int reloads)
    {
        var temp = $"{_nvmlControl}.{++_controlVersion}";
        File.WriteAllText(temp, $"lost={string.Join(',', lostGpus)}\nreload={reloads}\n");
        File.Move(temp, _nvmlControl, overwrite: true);
    }

    /// <summary>The KPI row of one scope and window from /api/v1/kpis (null when absent or the collector does not answer).</summary>
    public async Task<KpiRow?> KpiAsync(string scope, string window, params (string Name, string Value)[] labels)
    {
        string json;
        try
        {
            json = await Http.GetStringAsync($"{CollectorUrl}/api/v1/kpis?scope={scope}&window={window}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        var snapshotMs = (long)(doc.RootElement.GetProperty("timestamp_seconds").GetDouble() * 1000);
        foreach (var k in doc.RootElement.GetProperty("kpis").EnumerateArray())
        {
            var rowLabels = k.GetProperty("labels");
            if (labels.All(l => rowLabels.TryGetProperty(l.Name, out var v) && v.GetString() == l.Value))
            {
                return new KpiRow(
                    k.GetProperty("covered_seconds").GetDouble(),
                    Number(k, "input_tokens"),
                    Number(k, "output_tokens"),
                    Number(k, "energy_joules"),
                    k.TryGetProperty("tokens_per_joule", out var tpj) && tpj.TryGetProperty("output", out var o) ? o.GetDouble() : 0,
                    snapshotMs,
                    k.GetRawText());
            }
        }

        return null;
    }

    private static double Number(JsonElement row, string name) => row.TryGetProperty(name, out var v) ? v.GetDouble() : 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        _collector.Dispose();
        await _vllm.DisposeAsync();
        Http.Dispose();
        _dir.Delete(recursive: true);
    }
}

/// <summary>One row of /api/v1/kpis: what a window holds, and the raw JSON for failure messages.</summary>
internal sealed record KpiRow(double CoveredSeconds, double InputTokens, double OutputTokens, double EnergyJoules, double OutputTokensPerJoule, long SnapshotMs, string Json);
