namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>
/// A small simulated fleet as real processes on loopback: one collector (priced sites, GPUs and two
/// tiers) and two agents with simulated GPUs and engines — node sim-a (pool chat: a unified and a
/// prefill server of one model, and one idle GPU) and node sim-b (pool batch: a decode server on an L4).
/// Every dashboard variable and role has data. Stopped by PID on dispose.
/// </summary>
internal sealed class SimulatedFleet : IDisposable
{
    private readonly HostProcess _collector;
    private readonly HostProcess[] _agents;

    private SimulatedFleet(HostProcess collector, HostProcess[] agents, string collectorUrl)
    {
        _collector = collector;
        _agents = agents;
        CollectorUrl = collectorUrl;
    }

    public string CollectorUrl { get; }

    public string Logs => $"--- collector ---\n{_collector.Output}\n" + string.Concat(_agents.Select((a, i) => $"--- agent {i} ---\n{a.Output}\n"));

    public static SimulatedFleet Start()
    {
        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
        {
            ["Collector__Listen"] = collectorUrl,
            ["Collector__Windows__0"] = "1m",
            ["Collector__Windows__1"] = "5m",
            ["Collector__Cost__Sites__0__Name"] = "lab",
            ["Collector__Cost__Sites__0__PricePerKwhUsd"] = "0.15",
            ["Collector__Cost__Sites__0__Pue"] = "1.3",
            ["Collector__Cost__Sites__0__NodeHourlyUsd"] = "1.0",
            ["Collector__Cost__Gpus__0__Match"] = "H100",
            ["Collector__Cost__Gpus__0__HourlyUsd"] = "2.5",
            ["Collector__Cost__Gpus__1__Match"] = "L4",
            ["Collector__Cost__Gpus__1__HourlyUsd"] = "0.5",
            ["Collector__Tiers__0__Name"] = "premium",
            ["Collector__Tiers__0__PricePerMillionTokensUsd"] = "20",
            ["Collector__Tiers__0__TtftSloSeconds"] = "0.5",
            ["Collector__Tiers__1__Name"] = "economy",
            ["Collector__Tiers__1__PricePerMillionTokensUsd"] = "2",
            ["Collector__Tiers__1__TtftSloSeconds"] = "2.5",
        });
        var chat = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], Agent(collectorUrl, "sim-a", "chat", 3, "Simulated H100 80GB HBM3",
            ("llm-a", "sim-llama-8b", "unified", "premium", "0"), ("llm-p", "sim-llama-8b", "prefill", "premium", "1")));
        var batch = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], Agent(collectorUrl, "sim-b", "batch", 1, "Simulated L4",
            ("llm-b", "sim-qwen-7b", "decode", "economy", "0")));
        return new SimulatedFleet(collector, [chat, batch], collectorUrl);
    }

    private static Dictionary<string, string> Agent(string collectorUrl, string node, string pool, int gpus, string gpuModel,
        params (string Name, string Model, string Role, string Tier, string Gpu)[] servers)
    {
        var env = new Dictionary<string, string>
        {
            ["Agent__Node"] = node,
            ["Agent__Site"] = "lab",
            ["Agent__Pool"] = pool,
            ["Agent__IntervalSeconds"] = "1",
            ["Agent__Collector__Url"] = collectorUrl,
            ["Agent__Power__Sources__0"] = "simulated",
            ["Agent__Power__Simulated__Gpus"] = gpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Agent__Power__Simulated__Model"] = gpuModel,
        };
        for (var i = 0; i < servers.Length; i++)
        {
            env[$"Agent__Servers__{i}__Name"] = servers[i].Name;
            env[$"Agent__Servers__{i}__Engine"] = "simulated";
            env[$"Agent__Servers__{i}__Model"] = servers[i].Model;
            env[$"Agent__Servers__{i}__Role"] = servers[i].Role;
            env[$"Agent__Servers__{i}__Tier"] = servers[i].Tier;
            env[$"Agent__Servers__{i}__Gpus__0"] = servers[i].Gpu;
        }

        return env;
    }

    public void Dispose()
    {
        foreach (var a in _agents)
        {
            a.Dispose();
        }

        _collector.Dispose();
    }
}
