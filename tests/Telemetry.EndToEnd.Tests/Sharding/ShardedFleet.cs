using Telemetry.Agent.Configuration;
using Telemetry.Agent.Sharding;

namespace Telemetry.EndToEnd.Tests.Sharding;

/// <summary>
/// Three real agent processes (fake NVML, a vLLM-format server each) sharded by the agents' own rendezvous
/// hash over two collector URLs — a <see cref="ReportTee"/> in front of collector processes A and B — and a
/// third collector C that the tee also feeds, so C sees the whole fleet as one collector would. Node ids are
/// picked so one node lands on A and two on B (the ports, and so the hash, change per run). Nodes differ
/// widely in tokens per joule, so averaging the shards' own fleet ratios is visibly wrong.
/// </summary>
internal sealed class ShardedFleet : IAsyncDisposable
{
    /// <summary>One node: constant GPU power (watts; an idle GPU serves nothing) and its server's tokens/s.</summary>
    public sealed record NodeProfile(double ServedGpuWatts, double IdleGpuWatts, double InputPerSecond, double OutputPerSecond)
    {
        public double Watts => ServedGpuWatts + IdleGpuWatts;

        public double TotalPerSecond => InputPerSecond + OutputPerSecond;
    }

    // Node on shard A: 1400 tokens/s on 200 W = 7 tokens/J. Nodes on shard B: 0.27 and 0.31 tokens/J, the second with an idle GPU.
    // Fleet truth 1630 / 980 W = 1.66 tokens/J; the mean of the shards' own fleet ratios would be (7 + 0.29) / 2 = 3.6.
    public static readonly NodeProfile OnA = new(200, 0, 400, 1000);
    public static readonly NodeProfile[] OnB = [new(300, 0, 20, 60), new(400, 80, 50, 100)];

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<HostProcess> _processes = [];
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("telemetry-shards-");

    private ShardedFleet()
    {
    }

    public string ShardA { get; private set; } = "";
    public string ShardB { get; private set; } = "";
    public string Reference { get; private set; } = "";
    public string NodeA { get; private set; } = "";
    public IReadOnlyList<string> NodesB { get; private set; } = [];
    public IReadOnlyList<HostProcess> Agents { get; private set; } = [];

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Logs => string.Join("\n", _processes.Select((p, i) => $"--- process {i} ---\n{p.Output}"));

    /// <summary>Fleet truth: all tokens over all GPU energy, idle GPUs included.</summary>
    public static double FleetTokensPerJoule(Func<NodeProfile, double> tokens) =>
        (tokens(OnA) + OnB.Sum(tokens)) / (OnA.Watts + OnB.Sum(n => n.Watts));

    /// <summary>Writes a file into the fleet's temporary directory (removed on dispose); returns its path.</summary>
    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    public static async Task<ShardedFleet> StartAsync()
    {
        var fleet = new ShardedFleet();
        try
        {
            await fleet.StartCoreAsync();
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync()
    {
        ShardA = StartCollector();
        ShardB = StartCollector();
        Reference = StartCollector();

        var teeA = RepoPaths.FreePort();
        var teeB = RepoPaths.FreePort();
        var tee = new ReportTee(new Dictionary<int, string> { [teeA] = ShardA, [teeB] = ShardB }, Reference);
        _owned.Add(tee);
        await tee.StartAsync();

        // The agents' own choice: the same options they will be given, hashed by the same code.
        var urls = new CollectorClientOptions { Urls = [$"http://127.0.0.1:{teeA}", $"http://127.0.0.1:{teeB}"] };
        var candidates = Enumerable.Range(0, 200).Select(i => $"shard-node-{i}").ToList();
        NodeA = candidates.First(n => CollectorAssignment.For(urls, n).Url == urls.Urls[0]);
        NodesB = [.. candidates.Where(n => CollectorAssignment.For(urls, n).Url == urls.Urls[1]).Take(OnB.Length)];

        var nodes = new[] { (NodeA, OnA) }.Concat(NodesB.Zip(OnB)).ToList();
        var vllm = new FakeVllmServer(RepoPaths.FreePort(), nodes.ToDictionary(
            n => n.Item1, n => ($"model-{n.Item1}", n.Item2.InputPerSecond, n.Item2.OutputPerSecond)));
        _owned.Add(vllm);
        await vllm.StartAsync();

        var agents = new List<HostProcess>();
        foreach (var (node, profile) in nodes)
        {
            agents.Add(await StartAgentAsync(node, profile, urls.Urls, vllm.BaseUrl));
        }

        Agents = agents;
    }

    private string StartCollector()
    {
        var url = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        // No tokens: open ingest, allowed on loopback (the tee forwards the agents' requests as they are).
        _processes.Add(HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
        {
            ["Collector__Listen"] = url,
            ["Collector__Windows__0"] = "1m",
        }));
        return url;
    }

    private async Task<HostProcess> StartAgentAsync(string node, NodeProfile profile, List<string> collectors, string vllm)
    {
        var nvmlConfig = Path.Combine(_dir.FullName, node + ".conf");
        var gpus = profile.IdleGpuWatts > 0 ? 2 : 1;
        await File.WriteAllTextAsync(nvmlConfig, $"""
            devices={gpus}
            energy_update_ms=10
            device0.name=NVIDIA H100 80GB HBM3
            device0.uuid=GPU-{node}-0
            device0.power_w={profile.ServedGpuWatts}

            """ + (gpus < 2 ? "" : $"""
            device1.name=NVIDIA H100 80GB HBM3
            device1.uuid=GPU-{node}-1
            device1.power_w={profile.IdleGpuWatts}

            """));
        var env = new Dictionary<string, string>
        {
            ["FAKE_NVML_CONFIG"] = nvmlConfig,
            ["Agent__Node"] = node,
            ["Agent__Site"] = "lab",
            ["Agent__Pool"] = "h100",
            // Half a second: Prometheus's rate() over a short range sees a whole number of reports, off by up to one
            // per series (aliasing of report and scrape phases); more reports per range make that one count less.
            ["Agent__IntervalSeconds"] = "0.5",
            ["Agent__Power__Sources__0"] = "nvml",
            ["Agent__Power__Nvml__LibraryPath"] = RepoPaths.FakeNvml,
            ["Agent__Servers__0__Name"] = "vllm",
            ["Agent__Servers__0__Url"] = $"{vllm}/{node}/metrics",
            ["Agent__Servers__0__Engine"] = "vllm",
            ["Agent__Servers__0__Gpus__0"] = "0",
        };
        for (var i = 0; i < collectors.Count; i++)
        {
            env[$"Agent__Collector__Urls__{i}"] = collectors[i];
        }

        var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"], env);
        _processes.Add(agent);
        return agent;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in Enumerable.Reverse(_processes))
        {
            p.Dispose();
        }

        foreach (var o in Enumerable.Reverse(_owned))
        {
            await o.DisposeAsync();
        }

        Http.Dispose();
        _dir.Delete(recursive: true);
    }
}
