using Telemetry.Collector.Configuration;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.State;
using Telemetry.Collector.Windows;
using Telemetry.Exposition;

namespace Telemetry.Collector.Kpi;

/// <summary>
/// Builds a <see cref="FleetSnapshot"/>: copies every node's state and sums each scope's ring over
/// each window. Windows end <see cref="SettleSeconds"/> before now, so the seconds they cover have
/// had time to receive their reports. Stale nodes keep their raw counters but leave the live KPIs.
/// Node and server scopes are read in the fleet's node windows only (Collector:NodeKpiWindows). A snapshot of one
/// <see cref="MetricsPart"/> copies only that part's nodes, and has the fleet-wide scopes only if the part has them.
/// </summary>
internal sealed class SnapshotBuilder(FleetState fleet, IReadOnlyList<WindowDuration> windows, double staleAfterIntervals)
{
    private readonly LabelSet[] _windowSets = [.. windows.Select(w => LabelSet.Of(new Label("window", w.Label)))];
    private readonly LabelSet[] _nodeWindowSets = [.. fleet.NodeWindows.Select(w => LabelSet.Of(new Label("window", w.Label)))];

    /// <summary>Reports land about one interval after their sample; 2 s lets a 1-s agent's last second arrive.</summary>
    public const int SettleSeconds = 2;

    /// <summary>A node silent this long is forgotten entirely (its series disappear).</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(24);

    public FleetSnapshot Build(long nowMs) => Build(nowMs, MetricsPart.Whole);

    public FleetSnapshot Build(long nowMs, MetricsPart part)
    {
        var endMs = nowMs - (SettleSeconds * 1000L);
        var nodes = new List<NodeView>();
        var aggregates = new List<KpiView>();
        foreach (var scope in part.HasFleetWide ? fleet.Aggregates.All : Array.Empty<AggregateScope>())
        {
            lock (scope.Sync)
            {
                if (nowMs - scope.Windows.LastAddMs > ForgetAfter.TotalMilliseconds)
                {
                    fleet.Aggregates.Remove(scope);
                    continue;
                }

                AddKpis(aggregates, scope.Kind, scope.ScopeLabels, scope.KpiLabels, windows, _windowSets, scope.Windows, endMs);
            }
        }

        // Nodes are independent (each copied under its own lock), so the fleet is split across the cores:
        // at 12,500 nodes the copies and KPI reads are most of a snapshot. Nodes are put in name order first, so the
        // slices come out in the snapshot's order (node rows after every aggregate row, server rows last) and only
        // the few aggregate rows need sorting.
        var all = part.IsWhole ? fleet.Nodes.ToArray() : [.. fleet.Nodes.Where(n => part.Contains(n.Node))];
        Array.Sort(all, static (a, b) => string.CompareOrdinal(a.Node, b.Node));
        var slices = Math.Clamp(Environment.ProcessorCount, 1, Math.Max(1, all.Length / MinNodesPerSlice));
        var sliceNodes = new List<NodeView>[slices];
        var sliceNodeKpis = new List<KpiView>[slices];
        var sliceServerKpis = new List<KpiView>[slices];
        Parallel.For(0, slices, p =>
        {
            var from = (int)((long)all.Length * p / slices);
            var to = (int)((long)all.Length * (p + 1) / slices);
            sliceNodes[p] = new List<NodeView>(to - from);
            sliceNodeKpis[p] = new List<KpiView>(to - from);
            sliceServerKpis[p] = new List<KpiView>((to - from) * 2);
            var servers = new List<ServerState>();
            for (var i = from; i < to; i++)
            {
                CopyNodeAndKpis(all[i], nowMs, endMs, sliceNodes[p], sliceNodeKpis[p], sliceServerKpis[p], servers);
            }
        });

        // A stable sort: a scope's windows stay in configuration order, as they are for nodes and servers.
        var kpis = new List<KpiView>(aggregates.Count + sliceNodeKpis.Sum(k => k.Count) + sliceServerKpis.Sum(k => k.Count));
        kpis.AddRange(aggregates.OrderBy(k => k.Scope).ThenBy(k => k.ScopeLabels, ScopeLabelOrder));
        nodes.Capacity = all.Length;
        for (var p = 0; p < slices; p++)
        {
            nodes.AddRange(sliceNodes[p]);
            kpis.AddRange(sliceNodeKpis[p]);
        }

        for (var p = 0; p < slices; p++)
        {
            kpis.AddRange(sliceServerKpis[p]);
        }

        return new FleetSnapshot(nowMs, nodes, kpis);
    }

    /// <summary>Nodes up and stale (not yet forgotten) in the whole fleet, as a whole snapshot would list them.</summary>
    public (int Up, int Stale) CountNodes(long nowMs)
    {
        int up = 0, stale = 0;
        foreach (var node in fleet.Nodes)
        {
            lock (node.Sync)
            {
                if (nowMs - node.LastReceivedMs > ForgetAfter.TotalMilliseconds)
                {
                    continue; // forgotten at the next snapshot
                }

                if (IsUp(node, nowMs))
                {
                    up++;
                }
                else
                {
                    stale++;
                }
            }
        }

        return (up, stale);
    }

    private bool IsUp(NodeState node, long nowMs) => nowMs - node.LastReceivedMs <= staleAfterIntervals * Math.Max(node.IntervalSeconds, 1) * 1000;

    /// <summary>The rows of a whole-fleet snapshot that belong to <paramref name="part"/>: its nodes, their node and server scopes, and the fleet-wide scopes if the part has them.</summary>
    public static FleetSnapshot Select(FleetSnapshot whole, MetricsPart part) => part.IsWhole ? whole : whole with
    {
        Nodes = [.. whole.Nodes.Where(n => part.Contains(n.Node))],
        Kpis = [.. whole.Kpis.Where(k => k.Scope is ScopeKind.Node or ScopeKind.Server ? part.Contains(k.ScopeLabels[0].Value) : part.HasFleetWide)],
    };

    /// <summary>Below this many nodes per core a snapshot is not worth splitting.</summary>
    private const int MinNodesPerSlice = 500;

    private void CopyNodeAndKpis(NodeState node, long nowMs, long endMs, List<NodeView> nodes, List<KpiView> nodeKpis, List<KpiView> serverKpis, List<ServerState> servers)
    {
        lock (node.Sync)
        {
            if (nowMs - node.LastReceivedMs > ForgetAfter.TotalMilliseconds)
            {
                fleet.RemoveNode(node);
                return;
            }

            var up = IsUp(node, nowMs);
            nodes.Add(CopyNode(node, up));
            if (up)
            {
                AddNodeKpis(node, endMs, nodeKpis, serverKpis, servers);
            }
        }
    }

    /// <summary>The node's rows, then its servers' rows in server name order (<paramref name="servers"/> is scratch space).</summary>
    private void AddNodeKpis(NodeState node, long endMs, List<KpiView> nodeKpis, List<KpiView> serverKpis, List<ServerState> servers)
    {
        var nodeWindows = fleet.NodeWindows;
        if (nodeWindows.Count == 0)
        {
            return;
        }

        AddKpis(nodeKpis, ScopeKind.Node, node.ScopeLabels, node.KpiLabels, nodeWindows, _nodeWindowSets, node.Windows, endMs);
        servers.Clear();
        servers.AddRange(node.Servers.Values);
        servers.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var server in servers)
        {
            AddKpis(serverKpis, ScopeKind.Server, server.ScopeLabels(node), server.KpiLabels(node), nodeWindows, _nodeWindowSets, server.Windows, endMs);
        }
    }

    private static void AddKpis(List<KpiView> kpis, ScopeKind scope, KeyValuePair<string, string>[] labels, LabelSet scopeSet,
        IReadOnlyList<WindowDuration> windows, LabelSet[] windowSets, ScopeWindows scopeWindows, long endMs)
    {
        for (var i = 0; i < windows.Count; i++)
        {
            var (sum, covered) = scopeWindows.Read(i, endMs);
            if (covered > 0)
            {
                kpis.Add(new KpiView(scope, labels, windows[i].Label, windows[i].Seconds, covered, sum, scopeWindows.ReadLatency(i, endMs, keepCounts: scope == ScopeKind.Tier), scopeSet, windowSets[i]));
            }
        }
    }

    private static readonly Comparer<IReadOnlyList<KeyValuePair<string, string>>> ScopeLabelOrder = Comparer<IReadOnlyList<KeyValuePair<string, string>>>.Create(CompareLabels);

    private static int CompareLabels(IReadOnlyList<KeyValuePair<string, string>> a, IReadOnlyList<KeyValuePair<string, string>> b)
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var c = string.CompareOrdinal(a[i].Value, b[i].Value);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    private static NodeView CopyNode(NodeState node, bool up)
    {
        var gpus = new GpuView[node.Gpus.Count];
        var i = 0;
        foreach (var g in node.Gpus.Values)
        {
            gpus[i++] = new GpuView(g.Index, g.Uuid, g.Name, g.Source, g.Method, g.Energy.Total, g.Gauges, g.Lost, g.Labels(node), g.InfoLabels);
        }

        Array.Sort(gpus, static (a, b) => a.Index.CompareTo(b.Index));
        var servers = new ServerView[node.Servers.Count];
        i = 0;
        foreach (var s in node.Servers.Values)
        {
            var streams = new StreamView[s.Streams.Count];
            var j = 0;
            foreach (var st in s.Streams.Values)
            {
                streams[j++] = CopyStream(node, s, st);
            }

            servers[i++] = new ServerView(s.Name, s.Engine, s.Role, s.ModelLabel(), s.Up, s.Error, s.GpuUuids, s.Energy.Total, streams, s.Labels(node), s.Tier, s.NameLabels);
        }

        Array.Sort(servers, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new NodeView(node.Node, node.Site, node.Pool, up, node.LastReceivedMs / 1000.0, node.ClockOffsetMs / 1000.0, node.AgentVersion, node.SourceErrors, gpus, servers, node.Labels) { Agent = node.AgentHealth };
    }

    private static StreamView CopyStream(NodeState node, ServerState server, StreamState s) => new(
        s.Model,
        s.Labels,
        s.InputTokens.Seen ? s.InputTokens.Total : null,
        s.OutputTokens.Seen ? s.OutputTokens.Total : null,
        RequestTotals(s),
        s.Raw,
        s.Running,
        s.Waiting,
        s.KvCacheUsageRatio,
        s.SeriesLabels(node, server));

    private static KeyValuePair<string, double>[] RequestTotals(StreamState s)
    {
        var totals = new KeyValuePair<string, double>[s.Requests.Count];
        var i = 0;
        foreach (var (outcome, counter) in s.Requests)
        {
            totals[i++] = new(outcome, counter.Total);
        }

        Array.Sort(totals, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return totals;
    }
}
