using Telemetry.Collector.Configuration;
using Telemetry.Collector.State;
using Telemetry.Collector.Windows;

namespace Telemetry.Collector.Kpi;

/// <summary>
/// Builds a <see cref="FleetSnapshot"/>: copies every node's state and sums each scope's ring over
/// each window. Windows end <see cref="SettleSeconds"/> before now, so the seconds they cover have
/// had time to receive their reports. Stale nodes keep their raw counters but leave the live KPIs.
/// </summary>
internal sealed class SnapshotBuilder(FleetState fleet, IReadOnlyList<WindowDuration> windows, double staleAfterIntervals)
{
    /// <summary>Reports land about one interval after their sample; 2 s lets a 1-s agent's last second arrive.</summary>
    public const int SettleSeconds = 2;

    /// <summary>A node silent this long is forgotten entirely (its series disappear).</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(24);

    public FleetSnapshot Build(long nowMs)
    {
        var endMs = nowMs - (SettleSeconds * 1000L);
        var nodes = new List<NodeView>();
        var kpis = new List<KpiView>();
        foreach (var scope in fleet.Aggregates.All)
        {
            lock (scope.Sync)
            {
                if (nowMs - scope.Windows.LastAddMs > ForgetAfter.TotalMilliseconds)
                {
                    fleet.Aggregates.Remove(scope);
                    continue;
                }

                KeyValuePair<string, string>[] labels = scope.Kind == ScopeKind.Fleet ? [] : [new(ScopeKinds.LabelOf(scope.Kind), scope.Name)];
                AddKpis(kpis, scope.Kind, labels, scope.Windows, endMs);
            }
        }

        foreach (var node in fleet.Nodes)
        {
            lock (node.Sync)
            {
                if (nowMs - node.LastReceivedMs > ForgetAfter.TotalMilliseconds)
                {
                    fleet.RemoveNode(node);
                    continue;
                }

                var up = nowMs - node.LastReceivedMs <= staleAfterIntervals * Math.Max(node.IntervalSeconds, 1) * 1000;
                nodes.Add(CopyNode(node, up));
                if (up)
                {
                    AddNodeKpis(node, endMs, kpis);
                }
            }
        }

        nodes.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node));
        kpis.Sort((a, b) => a.Scope != b.Scope ? a.Scope.CompareTo(b.Scope) : CompareLabels(a.ScopeLabels, b.ScopeLabels));
        return new FleetSnapshot(nowMs, nodes, kpis);
    }

    private void AddNodeKpis(NodeState node, long endMs, List<KpiView> kpis)
    {
        KeyValuePair<string, string>[] nodeLabels = [new("node", node.Node), new("site", node.Site), new("pool", node.Pool)];
        AddKpis(kpis, ScopeKind.Node, nodeLabels, node.Windows, endMs);
        foreach (var server in node.Servers.Values)
        {
            KeyValuePair<string, string>[] labels =
            [
                .. nodeLabels, new("server", server.Name), new("engine", server.Engine), new("model", server.ModelLabel()), new("role", server.Role),
            ];
            AddKpis(kpis, ScopeKind.Server, labels, server.Windows, endMs);
        }
    }

    private void AddKpis(List<KpiView> kpis, ScopeKind scope, KeyValuePair<string, string>[] labels, ScopeWindows scopeWindows, long endMs)
    {
        for (var i = 0; i < windows.Count; i++)
        {
            var (sum, covered) = scopeWindows.Read(i, endMs);
            if (covered > 0)
            {
                kpis.Add(new KpiView(scope, labels, windows[i].Label, windows[i].Seconds, covered, sum, scopeWindows.ReadLatency(i, endMs)));
            }
        }
    }

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
        var gpus = node.Gpus.Values
            .OrderBy(g => g.Index)
            .Select(g => new GpuView(g.Index, g.Uuid, g.Name, g.Source, g.Method, g.Energy.Total, g.PowerWatts, g.PowerLimitWatts,
                g.UtilizationRatio, g.MemoryUsedBytes, g.MemoryTotalBytes, g.TemperatureCelsius, g.Lost))
            .ToList();
        var servers = node.Servers.Values
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new ServerView(s.Name, s.Engine, s.Role, s.ModelLabel(), s.Up, s.Error, s.GpuUuids, s.Energy.Total,
                [.. s.Streams.Values.Select(CopyStream)], s.Tier))
            .ToList();
        return new NodeView(node.Node, node.Site, node.Pool, up, node.LastReceivedMs / 1000.0, node.ClockOffsetMs / 1000.0, node.AgentVersion, node.SourceErrors, gpus, servers);
    }

    private static StreamView CopyStream(StreamState s) => new(
        s.Model,
        s.Labels,
        s.InputTokens.Seen ? s.InputTokens.Total : null,
        s.OutputTokens.Seen ? s.OutputTokens.Total : null,
        [.. s.Requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new KeyValuePair<string, double>(r.Key, r.Value.Total))],
        [.. s.Histograms.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Value)],
        s.Running,
        s.Waiting,
        s.KvCacheUsageRatio);
}
