using Telemetry.Collector.State;
using Telemetry.Collector.Windows;
using Telemetry.Wire.Sketches;

namespace Telemetry.Collector.Proxy;

/// <summary>
/// Where a server's metering proxy measured requests in a window, that server's latency KPIs come
/// from the proxy's sketches instead of the engine's coarse buckets (DESIGN §4). Only <c>scope="server"</c>
/// rows are replaced: wider scopes mix servers with and without proxies and keep the engine buckets.
/// </summary>
internal static class SketchPreference
{
    private static readonly (string Proxy, string Engine)[] Metrics = [("ttft", "ttft_seconds"), ("tpot", "tpot_seconds"), ("e2e", "e2e_seconds")];

    public static FleetSnapshot Apply(FleetSnapshot fleet, ProxySnapshot proxy)
    {
        var sketches = new Dictionary<(string Node, string Server, string Window), ProxyKpiView>();
        foreach (var k in proxy.Kpis)
        {
            if (k.Scope == ProxyScopes.Server)
            {
                sketches[(k.Labels[0].Value, k.Labels[1].Value, k.Window)] = k;
            }
        }

        if (sketches.Count == 0)
        {
            return fleet;
        }

        var kpis = new List<KpiView>(fleet.Kpis.Count);
        foreach (var k in fleet.Kpis)
        {
            var node = k.ScopeLabels.FirstOrDefault(l => l.Key == "node").Value ?? "";
            var server = k.ScopeLabels.FirstOrDefault(l => l.Key == "server").Value ?? "";
            if (k.Scope != ScopeKind.Server || !sketches.TryGetValue((node, server, k.Window), out var p))
            {
                kpis.Add(k);
                continue;
            }

            var latency = k.Latency.ToDictionary(l => l.Metric, StringComparer.Ordinal);
            foreach (var (proxyMetric, engineMetric) in Metrics)
            {
                var sketch = p.Sketches.First(s => s.Metric == proxyMetric).Sketch;
                if (sketch.Count > 0)
                {
                    latency[engineMetric] = ToLatencyView(engineMetric, sketch);
                }
            }

            kpis.Add(k with { Latency = [.. latency.Values.OrderBy(l => l.Metric, StringComparer.Ordinal)] });
        }

        return fleet with { Kpis = kpis };
    }

    /// <summary>
    /// A sketch as classic buckets: every non-empty bucket (γ^(i−1), γ^i] with an empty one just below, so
    /// that linear interpolation stays inside the 1%-wide bucket the quantile falls in.
    /// </summary>
    public static LatencyView ToLatencyView(string metric, LogSketch sketch)
    {
        var bounds = new List<double>();
        var counts = new List<double>();
        if (sketch.ZeroCount > 0)
        {
            bounds.Add(LogSketch.MinValue);
            counts.Add(sketch.ZeroCount);
        }

        var sample = sketch.ToSample(metric);
        for (var i = 0; i < sample.Indexes.Count; i++)
        {
            var index = sample.Indexes[i];
            var lower = Math.Pow(sketch.Gamma, index - 1);
            if (bounds.Count == 0 || bounds[^1] < lower)
            {
                bounds.Add(lower);
                counts.Add(0);
            }

            bounds.Add(Math.Pow(sketch.Gamma, index));
            counts.Add(sample.Counts[i]);
        }

        counts.Add(0); // +Inf
        return LatencyView.FromCounts(metric, [.. bounds], [.. counts], sketch.Sum);
    }
}
