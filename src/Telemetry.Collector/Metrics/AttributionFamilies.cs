using System.Globalization;
using Telemetry.Collector.Cost;
using Telemetry.Collector.State;
using Telemetry.Exposition;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// The joins and prices PromQL needs to recompute every KPI from the raw counters across collector
/// shards (dashboards/prometheus): which tier a server sells, which GPUs (and what share of each) a
/// server runs on, and the configured price of each GPU's energy and time. Unknown prices are left
/// out, never written as 0, so a recording rule withholds cost just as the collector does.
/// </summary>
internal static class AttributionFamilies
{
    private const double SecondsPerHour = 3600;

    public static void Render(ExpositionWriter w, FleetSnapshot s, CostModel cost)
    {
        w.BeginFamily("inference_server_info", MetricType.Gauge, "Constant 1 per inference server; tier is the price tier its tokens are sold in (empty when none is configured).");
        foreach (var n in s.Nodes)
        {
            foreach (var sv in n.Servers)
            {
                w.WriteSample(sv.Labels, LabelSetCache.Tier.Of(sv.Tier), LabelSet.Empty, 1);
            }
        }

        w.BeginFamily("inference_server_gpu_share_ratio", MetricType.Gauge, "Share of a GPU's energy and time attributed to a server (GPUs shared by k servers are split equally, 1/k).");
        foreach (var n in s.Nodes)
        {
            foreach (var g in n.Gpus)
            {
                var sharers = SharerCount(n, g.Uuid);
                if (sharers == 0)
                {
                    continue; // an idle GPU: no server to attribute it to
                }

                foreach (var sv in n.Servers)
                {
                    if (sv.GpuUuids.Contains(g.Uuid))
                    {
                        w.WriteSample(g.Labels, sv.NameSet, LabelSet.Empty, 1.0 / sharers);
                    }
                }
            }
        }

        w.BeginFamily("inference_gpu_energy_price_usd_per_joule", MetricType.Gauge, "Configured price of one joule of this GPU's energy at the facility: site price per kWh × PUE ÷ 3.6e6.");
        foreach (var n in s.Nodes)
        {
            if (cost.Site(n.Site) is not { } site)
            {
                continue;
            }

            foreach (var g in n.Gpus)
            {
                w.WriteSample(g.Labels, site.PricePerKwhUsd * site.Pue / SitePrices.JoulesPerKwh);
            }
        }

        w.BeginFamily("inference_gpu_capacity_cost_usd_per_second", MetricType.Gauge, "Configured cost of this GPU's time: its hourly cost plus the node's fixed hourly cost spread over the node's GPUs in service, per second.");
        foreach (var n in s.Nodes)
        {
            var nodeHourly = cost.Site(n.Site)?.NodeHourlyUsd ?? 0;
            var inService = n.Gpus.Count(g => !g.Lost);
            foreach (var g in n.Gpus)
            {
                if (!g.Lost && cost.GpuHourlyUsd(g.Name) is { } hourly)
                {
                    w.WriteSample(g.Labels, (hourly + (nodeHourly / inService)) / SecondsPerHour);
                }
            }
        }
    }

    /// <summary>
    /// The configured tiers, so rules can price margins and judge TTFT objectives. The objective also
    /// carries <c>slo_le</c>, the objective written as bucket bounds are, so PromQL can pick the bucket at
    /// the objective (an objective between bucket bounds matches no bucket). Not <c>le</c>: promtool's
    /// lint rejects <c>le</c> outside histograms.
    /// </summary>
    public static void RenderTiers(ExpositionWriter w, IReadOnlyDictionary<string, double> tierPrices, IReadOnlyDictionary<string, double> ttftSlos)
    {
        w.BeginFamily("inference_tier_price_per_million_tokens_usd", MetricType.Gauge, "Configured price of a million tokens in the tier (Collector:Tiers:N:PricePerMillionTokensUsd).");
        foreach (var (tier, price) in tierPrices.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            w.WriteSample([new("tier", tier)], price);
        }

        w.BeginFamily("inference_tier_ttft_slo_seconds", MetricType.Gauge, "Configured time-to-first-token objective of the tier (Collector:Tiers:N:TtftSloSeconds); slo_le is the objective as a bucket le label.");
        foreach (var (tier, slo) in ttftSlos.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (slo > 0)
            {
                w.WriteSample([new("tier", tier), new("slo_le", slo.ToString("R", CultureInfo.InvariantCulture))], slo);
            }
        }
    }

    private static int SharerCount(NodeView n, string gpuUuid)
    {
        var count = 0;
        foreach (var sv in n.Servers)
        {
            if (sv.GpuUuids.Contains(gpuUuid))
            {
                count++;
            }
        }

        return count;
    }
}
