using Telemetry.Collector.State;
using Telemetry.Wire.Sketches;

namespace Telemetry.Collector.Proxy;

/// <summary>
/// The proxies' server sketches merged per KPI scope (server, node, site, pool, model, GPU model, tier, fleet),
/// window and metric, with a flag for scopes where some server that may have engine observations in the
/// window had no sketch: those keep their engine buckets (the two sources are never mixed). Membership is the
/// snapshot's: a server counts in its node, site, pool, tier, the models of its streams and its GPUs' models,
/// as <see cref="ReportAttribution"/> places its histograms. All sketches share <see cref="LogSketch.DefaultRelativeAccuracy"/>:
/// the ledger refuses others at ingest, so merging never widens the bound.
/// </summary>
internal sealed class ScopeSketches
{
    /// <summary>Proxy metric names and the engine histogram keys they stand for.</summary>
    public static readonly (string Proxy, string Engine)[] Metrics = [("ttft", "ttft_seconds"), ("tpot", "tpot_seconds"), ("e2e", "e2e_seconds")];

    private readonly Dictionary<(ScopeKind Kind, string Name, string Window, string Metric), Entry> _entries = [];

    /// <summary>The merged sketch of one scope/window/metric and whether a server without one may have observations.</summary>
    public sealed class Entry
    {
        /// <summary>Null until a sketch is merged: at fleet scale most entries only ever record a missing sketch.</summary>
        public LogSketch? Merged { get; private set; }

        public bool Missing { get; set; }

        public void Merge(LogSketch sketch) => (Merged ??= new LogSketch()).Merge(sketch);
    }

    /// <summary>
    /// Builds the merges. <paramref name="nodeWindows"/> are the windows server KPIs are kept in: there, an up
    /// node's server without a KPI row or latency row had no engine observations; elsewhere (and for stale
    /// nodes) it is unknown, so such a server without a sketch forces the scope back to buckets.
    /// </summary>
    public static ScopeSketches Build(FleetSnapshot fleet, IReadOnlyDictionary<(string Node, string Server, string Window), ProxyKpiView> sketches,
        IReadOnlyCollection<string> windows, IReadOnlySet<string> nodeWindows)
    {
        var serverRows = new Dictionary<(string Node, string Server, string Window), KpiView>();
        foreach (var k in fleet.Kpis)
        {
            if (k.Scope == ScopeKind.Server)
            {
                serverRows[(LabelOf(k, "node"), LabelOf(k, "server"), k.Window)] = k;
            }
        }

        var result = new ScopeSketches();
        var scopes = new List<(ScopeKind Kind, string Name)>();
        var models = new HashSet<string>(StringComparer.Ordinal);
        var gpuModels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in fleet.Nodes)
        {
            foreach (var server in node.Servers)
            {
                ScopesOf(node, server, scopes, models, gpuModels);
                var singleModel = models.Count <= 1;
                foreach (var window in windows)
                {
                    sketches.TryGetValue((node.Node, server.Name, window), out var proxy);
                    double? rowCount = null;
                    if (node.Up && nodeWindows.Contains(window))
                    {
                        rowCount = 0;
                    }

                    serverRows.TryGetValue((node.Node, server.Name, window), out var row);
                    foreach (var (proxyMetric, engineMetric) in Metrics)
                    {
                        var sketch = proxy is null ? null : SketchOf(proxy, proxyMetric);
                        var engineCount = row is null ? rowCount : EngineCount(row, engineMetric);
                        var sketched = sketch is { Count: > 0 };
                        if (!sketched && engineCount == 0)
                        {
                            continue; // neither source saw a request of this server in the window
                        }

                        foreach (var (kind, name) in scopes)
                        {
                            if (!sketched && kind == ScopeKind.Server)
                            {
                                continue; // the server is its scope's only member: without a sketch nothing changes there
                            }

                            var entry = result.Acquire(kind, name, window, engineMetric);
                            if (sketched && (kind != ScopeKind.Model || singleModel))
                            {
                                entry.Merge(sketch!);
                            }
                            else
                            {
                                // No sketch, or a multi-model server whose sketch cannot be split by engine model.
                                entry.Missing = true;
                            }
                        }
                    }
                }
            }
        }

        return result;
    }

    public Entry? Find(ScopeKind kind, string name, string window, string metric) => _entries.GetValueOrDefault((kind, name, window, metric));

    /// <summary>The name a scope is keyed by here: its own label value; node and server joined for a server.</summary>
    public static string NameOf(KpiView k) => k.Scope switch
    {
        ScopeKind.Fleet => "",
        ScopeKind.Server => ServerName(LabelOf(k, "node"), LabelOf(k, "server")),
        ScopeKind.Node => LabelOf(k, "node"),
        _ => k.ScopeLabels.Count > 0 ? k.ScopeLabels[0].Value : "",
    };

    private Entry Acquire(ScopeKind kind, string name, string window, string metric)
    {
        if (!_entries.TryGetValue((kind, name, window, metric), out var entry))
        {
            _entries[(kind, name, window, metric)] = entry = new Entry();
        }

        return entry;
    }

    /// <summary>The scopes a server counts in; <paramref name="models"/> and <paramref name="gpuModels"/> are reused scratch sets.</summary>
    private static void ScopesOf(NodeView node, ServerView server, List<(ScopeKind, string)> scopes, HashSet<string> models, HashSet<string> gpuModels)
    {
        scopes.Clear();
        scopes.Add((ScopeKind.Server, ServerName(node.Node, server.Name)));
        scopes.Add((ScopeKind.Node, node.Node));
        scopes.Add((ScopeKind.Fleet, ""));
        scopes.Add((ScopeKind.Site, node.Site));
        scopes.Add((ScopeKind.Pool, node.Pool));
        if (server.Tier.Length > 0)
        {
            scopes.Add((ScopeKind.Tier, server.Tier));
        }

        models.Clear();
        foreach (var stream in server.Streams)
        {
            if (models.Add(stream.Model))
            {
                scopes.Add((ScopeKind.Model, stream.Model));
            }
        }

        gpuModels.Clear();
        foreach (var gpu in node.Gpus)
        {
            if (server.GpuUuids.Contains(gpu.Uuid, StringComparer.Ordinal) && gpuModels.Add(gpu.Name))
            {
                scopes.Add((ScopeKind.GpuModel, gpu.Name));
            }
        }
    }

    private static double EngineCount(KpiView row, string metric)
    {
        foreach (var l in row.Latency)
        {
            if (l.Metric == metric)
            {
                return l.Count;
            }
        }

        return 0;
    }

    private static LogSketch? SketchOf(ProxyKpiView proxy, string metric) => metric switch
    {
        "ttft" => proxy.Ttft,
        "tpot" => proxy.Tpot,
        "e2e" => proxy.E2e,
        _ => null,
    };

    private static string ServerName(string node, string server) => node + "\0" + server;

    private static string LabelOf(KpiView k, string key)
    {
        foreach (var l in k.ScopeLabels)
        {
            if (l.Key == key)
            {
                return l.Value;
            }
        }

        return "";
    }
}
