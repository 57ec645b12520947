using Telemetry.Exposition;

namespace Telemetry.Collector.Proxy;

/// <summary>
/// The metering proxy's families (docs/proxy.md): raw cumulative counters per (node, server, model,
/// tenant, tier) for PromQL, and rolling per-tenant / per-tier / per-server KPIs with sketch
/// quantiles (≤ 1% relative error). Names stay apart from the engine-based families so a server
/// behind a proxy is never counted twice. Absent values are left out, never written as 0 or Inf.
/// </summary>
internal static class ProxyFamilies
{
    private static readonly double[] Quantiles = [0.5, 0.9, 0.95, 0.99];

    public static void Render(ExpositionWriter w, ProxySnapshot s, IReadOnlyDictionary<string, double> tierPrices)
    {
        w.BeginFamily("inference_proxy_tokens", MetricType.Counter, "Tokens of the requests the metering proxy forwarded, from upstream usage (or counted, see inference_proxy_estimated_requests_total).");
        foreach (var p in s.Streams)
        {
            w.WriteSample([.. Labels(p), new("token_type", "input")], p.InputTokensTotal);
            w.WriteSample([.. Labels(p), new("token_type", "output")], p.OutputTokensTotal);
        }

        w.BeginFamily("inference_proxy_requests", MetricType.Counter, "Requests the metering proxy forwarded, by outcome: success, error (upstream status >= 400 or unreachable), aborted (client went away).");
        foreach (var p in s.Streams)
        {
            foreach (var (outcome, count) in p.Requests)
            {
                w.WriteSample([.. Labels(p), new("outcome", outcome)], count);
            }
        }

        w.BeginFamily("inference_proxy_estimated_requests", MetricType.Counter, "Requests whose output tokens the proxy counted itself because upstream reported no usage.");
        foreach (var p in s.Streams)
        {
            w.WriteSample(Labels(p), p.EstimatedRequestsTotal);
        }

        w.BeginFamily("inference_proxy_active_user_seconds", MetricType.Counter, "Seconds users were active (until Proxy:ActiveUserSeconds after their last request), summed over users.");
        foreach (var p in s.Streams)
        {
            w.WriteSample(Labels(p), p.UserSecondsTotal);
        }

        w.BeginFamily("inference_kpi_tokens_per_user_hour", MetricType.Gauge, "Tokens per hour of active user time over the window, per tenant or tier (metering proxy).");
        foreach (var k in s.Kpis)
        {
            if (k.Scope != ProxyScopes.Server)
            {
                Write(w, [.. KpiLabels(k), new("token_type", "output")], k.TokensPerUserHour(k.OutputTokens));
                Write(w, [.. KpiLabels(k), new("token_type", "total")], k.TokensPerUserHour(k.TotalTokens));
            }
        }

        w.BeginFamily("inference_kpi_proxy_tokens_per_second", MetricType.Gauge, "Tokens per second over the window as the metering proxy counted them, per tenant, tier or server.");
        foreach (var k in s.Kpis)
        {
            Write(w, [.. KpiLabels(k), new("token_type", "input")], k.TokensPerSecond(k.InputTokens));
            Write(w, [.. KpiLabels(k), new("token_type", "output")], k.TokensPerSecond(k.OutputTokens));
        }

        w.BeginFamily("inference_kpi_proxy_cost_per_million_tokens_usd", MetricType.Gauge, "The scope's share (by tokens) of its servers' energy + capacity cost, per million of its tokens; absent while unpriced.");
        foreach (var k in s.Kpis)
        {
            Write(w, [.. KpiLabels(k), new("basis", "total"), new("token_type", "total")], k.CostPerMillionTokens(k.TotalTokens));
        }

        w.BeginFamily("inference_kpi_proxy_revenue_usd", MetricType.Gauge, "Tokens over the window priced at their tier's Collector:Tiers price per million tokens.");
        foreach (var k in s.Kpis)
        {
            if (k.Scope != ProxyScopes.Server && k.Labels.FirstOrDefault(l => l.Key == "tier").Value is { } tier && tierPrices.TryGetValue(tier, out var price))
            {
                w.WriteSample(KpiLabels(k), k.TotalTokens * price / 1e6);
            }
        }

        // A summary, not a gauge: a gauge with a quantile label fails `promtool check metrics`, and _count/_sum
        // (the window's requests and their total latency) come with it, as for inference_kpi_latency_seconds.
        w.BeginFamily("inference_kpi_proxy_latency_seconds", MetricType.Summary, "Latency quantiles from the proxy's per-request sketches (≤ 1% relative error), merged across nodes: metric=ttft|tpot|e2e; _count and _sum are the window's requests.");
        Span<(double, double)> quantiles = stackalloc (double, double)[Quantiles.Length];
        foreach (var k in s.Kpis)
        {
            foreach (var (metric, sketch) in k.Sketches)
            {
                if (sketch.Count == 0)
                {
                    continue;
                }

                for (var i = 0; i < Quantiles.Length; i++)
                {
                    quantiles[i] = (Quantiles[i], sketch.Quantile(Quantiles[i]) ?? double.NaN);
                }

                w.WriteSummary([.. KpiLabels(k), new("metric", metric)], quantiles, sketch.Count, sketch.Sum);
            }
        }

        w.BeginFamily("inference_kpi_proxy_requests", MetricType.Gauge, "Requests finished over the window through the metering proxy, by outcome.");
        foreach (var k in s.Kpis)
        {
            w.WriteSample([.. KpiLabels(k), new("outcome", "success")], k.Success);
            w.WriteSample([.. KpiLabels(k), new("outcome", "error")], k.Error);
            w.WriteSample([.. KpiLabels(k), new("outcome", "aborted")], k.Aborted);
        }
    }

    private static Label[] Labels(ProxyStreamView p) =>
        [new("node", p.Node), new("site", p.Site), new("pool", p.Pool), new("server", p.Server), new("model", p.Model), new("tenant", p.Tenant), new("tier", p.Tier)];

    private static Label[] KpiLabels(ProxyKpiView k) => [new("window", k.Window), new("scope", k.Scope), .. k.Labels.Select(l => new Label(l.Key, l.Value))];

    private static void Write(ExpositionWriter w, ReadOnlySpan<Label> labels, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteSample(labels, v);
        }
    }
}
