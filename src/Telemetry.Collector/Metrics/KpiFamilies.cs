using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Exposition;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// The rolling KPI families of DESIGN §5 (<c>inference_kpi_*</c>), one row per scope and window of
/// the snapshot. A KPI that cannot be computed (no energy, no tokens, unpriced) is left out, never
/// written as 0 or Inf. Definitions: docs/kpis.md.
/// </summary>
internal static class KpiFamilies
{
    /// <summary>Token types each ratio is exported for: prefill pools are judged on input, decode pools on output.</summary>
    private static readonly string[] TokenTypes = ["output", "input", "total"];

    private static double TokensOf(KpiView k, string tokenType) => tokenType switch
    {
        "output" => k.Sum.OutputTokens,
        "input" => k.Sum.InputTokens,
        _ => k.Sum.TotalTokens,
    };

    public static void Render(ExpositionWriter w, FleetSnapshot s, IReadOnlyDictionary<string, double> tierPrices, IReadOnlyDictionary<string, double> ttftSlos)
    {
        PerTokenType(w, s, "inference_kpi_tokens_per_joule", "Tokens per joule over the window: token increase ÷ GPU energy increase (absent when no energy was measured).", (k, t) => k.TokensPerJoule(t));
        PerTokenType(w, s, "inference_kpi_facility_tokens_per_joule", "Tokens per joule of facility energy (GPU energy × site PUE); absent while the window has energy from a site without a PUE.", (k, t) => k.FacilityTokensPerJoule(t));
        PerTokenType(w, s, "inference_kpi_tokens_per_second", "Tokens per second over the window.", (k, t) => k.TokensPerSecond(t));

        w.BeginFamily("inference_kpi_cost_per_million_tokens_usd", MetricType.Gauge, "Cost per million tokens: basis=energy (energy × PUE × price per kWh) or total (energy + GPU-hours × hourly cost + node fixed cost); absent while anything in the window is unpriced.");
        foreach (var k in s.Kpis)
        {
            var labels = KpiLabels(k);
            foreach (var t in TokenTypes)
            {
                var tokens = TokensOf(k, t);
                Write(w, [.. labels, new("basis", "energy"), new("token_type", t)], k.EnergyCostPerMillionTokens(tokens));
                Write(w, [.. labels, new("basis", "total"), new("token_type", t)], k.TotalCostPerMillionTokens(tokens));
            }
        }

        w.BeginFamily("inference_kpi_margin_per_million_tokens_usd", MetricType.Gauge, "Tier price per million tokens minus total cost per million tokens, for priced tiers (scope=\"tier\").");
        foreach (var k in s.Kpis)
        {
            if (k.Scope == ScopeKind.Tier && tierPrices.TryGetValue(k.ScopeLabels[0].Value, out var price) && k.TotalCostPerMillionTokens(k.Sum.TotalTokens) is { } cost)
            {
                w.WriteSample([.. KpiLabels(k), new("token_type", "total")], price - cost);
            }
        }

        w.BeginFamily("inference_kpi_gpu_utilization_ratio", MetricType.Gauge, "Mean GPU utilization over the window, weighted by time, 0 to 1.");
        foreach (var k in s.Kpis)
        {
            Write(w, KpiLabels(k), k.GpuUtilization);
        }

        w.BeginFamily("inference_kpi_idle_energy_ratio", MetricType.Gauge, "Share of the window's GPU energy burned by GPUs whose servers produced no tokens (or that serve none).");
        foreach (var k in s.Kpis)
        {
            Write(w, KpiLabels(k), k.IdleEnergyRatio);
        }

        RenderLatency(w, s, ttftSlos);

        w.BeginFamily("inference_kpi_energy_joules", MetricType.Gauge, "GPU energy in the scope over the window (the denominator of tokens per joule).");
        foreach (var k in s.Kpis)
        {
            w.WriteSample(KpiLabels(k), k.Sum.EnergyJoules);
        }
    }

    /// <summary>Quantiles reported for every latency histogram (DESIGN §5).</summary>
    private static readonly double[] Quantiles = [0.5, 0.9, 0.95, 0.99];

    private static void RenderLatency(ExpositionWriter w, FleetSnapshot s, IReadOnlyDictionary<string, double> ttftSlos)
    {
        w.BeginFamily("inference_kpi_latency_seconds", MetricType.Summary, "Latency quantiles over the window from the engines' histogram buckets (linear interpolation within a bucket; error at most that bucket's width); _count and _sum are the window's observations.");
        Span<(double, double)> values = stackalloc (double, double)[Quantiles.Length];
        foreach (var k in s.Kpis)
        {
            foreach (var h in k.Latency)
            {
                var n = 0;
                foreach (var q in Quantiles)
                {
                    if (HistogramQuantile.Estimate(q, h.Bounds, h.Counts) is { } v)
                    {
                        values[n++] = (q, v);
                    }
                }

                w.WriteSummary([.. KpiLabels(k), new("metric", LatencyMetricLabel(h.Metric))], values[..n], h.Counts.Sum(), h.Sum);
            }
        }

        w.BeginFamily("inference_kpi_ttft_slo_attainment_ratio", MetricType.Gauge, "Share of requests whose time to first token met the tier's objective (Collector:Tiers:N:TtftSloSeconds) over the window.");
        foreach (var k in s.Kpis)
        {
            if (k.Scope != ScopeKind.Tier || !ttftSlos.TryGetValue(k.ScopeLabels[0].Value, out var slo) || slo <= 0)
            {
                continue;
            }

            foreach (var h in k.Latency)
            {
                if (h.Metric == "ttft_seconds")
                {
                    Write(w, KpiLabels(k), HistogramQuantile.FractionAtOrBelow(slo, h.Bounds, h.Counts));
                }
            }
        }
    }

    /// <summary>Wire histogram keys (<c>ttft_seconds</c>) to the <c>metric</c> label values of DESIGN §5 (<c>ttft</c>).</summary>
    internal static string LatencyMetricLabel(string key) => key.EndsWith("_seconds", StringComparison.Ordinal) ? key[..^"_seconds".Length] : key;

    private static void PerTokenType(ExpositionWriter w, FleetSnapshot s, string name, string help, Func<KpiView, double, double?> value)
    {
        w.BeginFamily(name, MetricType.Gauge, help);
        foreach (var k in s.Kpis)
        {
            var labels = KpiLabels(k);
            foreach (var t in TokenTypes)
            {
                Write(w, [.. labels, new("token_type", t)], value(k, TokensOf(k, t)));
            }
        }
    }

    internal static void Write(ExpositionWriter w, Label[] labels, double? value)
    {
        if (value is { } v)
        {
            w.WriteSample(labels, v);
        }
    }

    internal static Label[] KpiLabels(KpiView k)
    {
        var labels = new Label[k.ScopeLabels.Count + 2];
        labels[0] = new("scope", ScopeKinds.LabelOf(k.Scope));
        for (var i = 0; i < k.ScopeLabels.Count; i++)
        {
            labels[i + 1] = new(k.ScopeLabels[i].Key, k.ScopeLabels[i].Value);
        }

        labels[^1] = new("window", k.Window);
        return labels;
    }
}
