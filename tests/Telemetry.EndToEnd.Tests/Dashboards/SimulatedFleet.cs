namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>
/// A small simulated fleet as real processes on loopback: one collector (priced sites, GPUs and two
/// tiers) and two agents with simulated GPUs and engines — node sim-a (pool chat: a unified and a
/// prefill server of one model, and one idle GPU) and node sim-b (pool batch: a decode server on an L4).
/// The unified and the decode server sit behind the agents' real metering proxies, fed by
/// <see cref="ProxiedTraffic"/> from tenants acme (mapped to premium), globex (mapped to economy) and
/// initech (unmapped: the server's tier), so tiers span nodes. Every dashboard variable, role and proxy
/// panel has data. Stopped by PID on dispose.
/// </summary>
internal sealed class SimulatedFleet : IAsyncDisposable
{
    private readonly HostProcess _collector;
    private readonly HostProcess[] _agents;
    private readonly SimulatedOpenAiUpstream _upstream;

    private SimulatedFleet(HostProcess collector, HostProcess[] agents, SimulatedOpenAiUpstream upstream, ProxiedTraffic traffic, string collectorUrl)
    {
        _collector = collector;
        _agents = agents;
        _upstream = upstream;
        Traffic = traffic;
        CollectorUrl = collectorUrl;
    }

    public string CollectorUrl { get; }

    public ProxiedTraffic Traffic { get; }

    public string Logs => $"--- collector ---\n{_collector.Output}\n" + string.Concat(_agents.Select((a, i) => $"--- agent {i} ---\n{a.Output}\n")) + Traffic.Summary;

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
        var upstream = SimulatedOpenAiUpstream.Start();
        var chatProxy = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var batchProxy = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var chatEnv = Agent(collectorUrl, "sim-a", "chat", 3, "Simulated H100 80GB HBM3",
            ("llm-a", "sim-llama-8b", "unified", "premium", "0"), ("llm-p", "sim-llama-8b", "prefill", "premium", "1"));
        var batchEnv = Agent(collectorUrl, "sim-b", "batch", 1, "Simulated L4", ("llm-b", "sim-qwen-7b", "decode", "economy", "0"));
        AddProxy(chatEnv, chatProxy, upstream.BaseUrl);
        AddProxy(batchEnv, batchProxy, upstream.BaseUrl);
        var chat = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], chatEnv);
        var batch = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], batchEnv);
        var traffic = new ProxiedTraffic([new(chatProxy, "sim-llama-8b", ["acme", "globex"], 2), new(batchProxy, "sim-qwen-7b", ["initech", "acme"], 4)]);
        return new SimulatedFleet(collector, [chat, batch], upstream, traffic, collectorUrl);
    }

    /// <summary>A metering proxy in front of the node's first server; tenants named by header, acme and globex mapped to tiers.</summary>
    private static void AddProxy(Dictionary<string, string> env, string listen, string upstream)
    {
        env["Agent__Servers__0__Proxy__Listen"] = listen;
        env["Agent__Servers__0__Proxy__Upstream"] = upstream;
        env["Agent__Servers__0__Proxy__TenantHeader"] = "X-Tenant";
        env["Agent__Servers__0__Proxy__TenantTiers__acme"] = "premium";
        env["Agent__Servers__0__Proxy__TenantTiers__globex"] = "economy";
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

    public async ValueTask DisposeAsync()
    {
        await Traffic.DisposeAsync();
        foreach (var a in _agents)
        {
            a.Dispose();
        }

        _collector.Dispose();
        await _upstream.DisposeAsync();
    }
}
