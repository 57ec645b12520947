using Telemetry.Collector.State;
using Telemetry.Collector.Windows;
using Telemetry.Wire.Sketches;

namespace Telemetry.Collector.Proxy;

/// <summary>
/// Where the metering proxies measured requests in a window, latency KPIs come from their merged sketches
/// instead of the engines' coarse buckets (DESIGN §4): a server's from its own sketch, a wider scope's (node,
/// site, pool, model, GPU model, tier, fleet) from the merge of its servers' sketches — but only when every
/// server that may have observations there has one (<see cref="ScopeSketches"/>). Otherwise the scope keeps its
/// engine buckets and says so (<see cref="LatencySource.BucketsMixed"/>): the two sources are never mixed.
/// </summary>
internal static class SketchPreference
{
    /// <summary>The snapshot with sketch latency where it applies; <paramref name="nodeWindows"/> are the window labels server KPIs are kept in (Collector:NodeKpiWindows), null = all.</summary>
    public static FleetSnapshot Apply(FleetSnapshot fleet, ProxySnapshot proxy, IReadOnlySet<string>? nodeWindows = null)
    {
        var sketches = new Dictionary<(string Node, string Server, string Window), ProxyKpiView>();
        var windows = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in proxy.Kpis)
        {
            if (k.Scope == ProxyScopes.Server)
            {
                sketches[(k.Labels[0].Value, k.Labels[1].Value, k.Window)] = k;
                windows.Add(k.Window);
            }
        }

        if (sketches.Count == 0)
        {
            return fleet;
        }

        nodeWindows ??= windows;
        var merged = ScopeSketches.Build(fleet, sketches, windows, nodeWindows);
        var kpis = new List<KpiView>(fleet.Kpis.Count);
        foreach (var k in fleet.Kpis)
        {
            Dictionary<string, LatencyView>? latency = null;
            var name = ScopeSketches.NameOf(k);
            foreach (var (_, engineMetric) in ScopeSketches.Metrics)
            {
                if (merged.Find(k.Scope, name, k.Window, engineMetric) is not { Merged.Count: > 0 } entry)
                {
                    continue;
                }

                latency ??= k.Latency.ToDictionary(l => l.Metric, StringComparer.Ordinal);
                if (!entry.Missing)
                {
                    latency[engineMetric] = ToLatencyView(engineMetric, entry.Merged!) with { Source = LatencySource.Sketch };
                }
                else if (latency.TryGetValue(engineMetric, out var buckets))
                {
                    latency[engineMetric] = buckets with { Source = LatencySource.BucketsMixed };
                }
            }

            kpis.Add(latency is null ? k : k with { Latency = [.. latency.Values.OrderBy(l => l.Metric, StringComparer.Ordinal)] });
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
