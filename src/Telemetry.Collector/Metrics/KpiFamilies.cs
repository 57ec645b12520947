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

    private static readonly LabelSet[] TokenTypeSets = [.. TokenTypes.Select(t => LabelSet.Of(new Label("token_type", t)))];
    private static readonly LabelSet[] EnergyBasisSets = [.. TokenTypes.Select(t => LabelSet.Of(new Label("basis", "energy"), new Label("token_type", t)))];
    private static readonly LabelSet[] TotalBasisSets = [.. TokenTypes.Select(t => LabelSet.Of(new Label("basis", "total"), new Label("token_type", t)))];
    private static readonly LabelSet TotalTokens = TokenTypeSets[2];

    private static double TokensOf(KpiView k, int tokenType) => tokenType switch
    {
        0 => k.Sum.OutputTokens,
        1 => k.Sum.InputTokens,
        _ => k.Sum.TotalTokens,
    };

    public static void Render(ExpositionWriter w, FleetSnapshot s, IReadOnlyDictionary<string, double> tierPrices, IReadOnlyDictionary<string, double> ttftSlos)
    {
        PerTokenType(w, s, "inference_kpi_tokens_per_joule", "Tokens per joule over the window: token increase ÷ GPU energy increase (absent when no energy was measured).", static (k, t) => k.TokensPerJoule(t));
        PerTokenType(w, s, "inference_kpi_facility_tokens_per_joule", "Tokens per joule of facility energy (GPU energy × site PUE); absent while the window has energy from a site without a PUE.", static (k, t) => k.FacilityTokensPerJoule(t));
        PerTokenType(w, s, "inference_kpi_tokens_per_second", "Tokens per second over the window.", static (k, t) => k.TokensPerSecond(t));

        w.BeginFamily("inference_kpi_cost_per_million_tokens_usd", MetricType.Gauge, "Cost per million tokens: basis=energy (energy × PUE × price per kWh) or total (energy + GPU-hours × hourly cost + node fixed cost); absent while anything in the window is unpriced.");
        foreach (var k in s.Kpis)
        {
            for (var t = 0; t < TokenTypes.Length; t++)
            {
                var tokens = TokensOf(k, t);
                Write(w, k, EnergyBasisSets[t], k.EnergyCostPerMillionTokens(tokens));
                Write(w, k, TotalBasisSets[t], k.TotalCostPerMillionTokens(tokens));
            }
        }

        w.BeginFamily("inference_kpi_margin_per_million_tokens_usd", MetricType.Gauge, "Tier price per million tokens minus total cost per million tokens, for priced tiers (scope=\"tier\").");
        foreach (var k in s.Kpis)
        {
            if (k.Scope == ScopeKind.Tier && tierPrices.TryGetValue(k.ScopeLabels[0].Value, out var price) && k.TotalCostPerMillionTokens(k.Sum.TotalTokens) is { } cost)
            {
                w.WriteSample(k.ScopeSet, k.WindowSet, TotalTokens, price - cost);
            }
        }

        w.BeginFamily("inference_kpi_gpu_utilization_ratio", MetricType.Gauge, "Mean GPU utilization over the window, weighted by time, 0 to 1.");
        foreach (var k in s.Kpis)
        {
            Write(w, k, LabelSet.Empty, k.GpuUtilization);
        }

        w.BeginFamily("inference_kpi_idle_energy_ratio", MetricType.Gauge, "Share of the window's GPU energy burned by GPUs whose servers produced no tokens (or that serve none).");
        foreach (var k in s.Kpis)
        {
            Write(w, k, LabelSet.Empty, k.IdleEnergyRatio);
        }

        RenderLatency(w, s, ttftSlos);

        w.BeginFamily("inference_kpi_energy_joules", MetricType.Gauge, "GPU energy in the scope over the window (the denominator of tokens per joule).");
        foreach (var k in s.Kpis)
        {
            w.WriteSample(k.ScopeSet, k.WindowSet, LabelSet.Empty, k.Sum.EnergyJoules);
        }
    }

    private static void RenderLatency(ExpositionWriter w, FleetSnapshot s, IReadOnlyDictionary<string, double> ttftSlos)
    {
        w.BeginFamily("inference_kpi_latency_seconds", MetricType.Summary, "Latency quantiles over the window from the engines' histogram buckets (linear interpolation within a bucket; error at most that bucket's width); _count and _sum are the window's observations.");
        Span<(double, double)> values = stackalloc (double, double)[4];
        foreach (var k in s.Kpis)
        {
            foreach (var h in k.Latency)
            {
                var n = 0;
                foreach (var (q, v) in (ReadOnlySpan<(double, double?)>)[(0.5, h.P50), (0.9, h.P90), (0.95, h.P95), (0.99, h.P99)])
                {
                    if (v is { } value)
                    {
                        values[n++] = (q, value);
                    }
                }

                w.WriteSummary(k.ScopeSet, k.WindowSet, LabelSetCache.Metric.Of(LatencyMetricLabel(h.Metric)), values[..n], h.Count, h.Sum);
            }
        }

        // Only rows not from the engines' buckets alone: absent means buckets, so a fleet without metering proxies
        // pays nothing for it (at 12,500 nodes it was 150,000 series and 24 MB of every scrape saying "buckets").
        w.BeginFamily("inference_kpi_latency_source_info", MetricType.Gauge, "Always 1, where a scope's latency quantiles did not come from the engines' histogram buckets alone (absent: they did). sketch = the metering proxies' merged sketches (within 1%); buckets_mixed = buckets because some servers had sketches and others only buckets.");
        foreach (var k in s.Kpis)
        {
            foreach (var h in k.Latency)
            {
                if (h.Source != Windows.LatencySource.Buckets)
                {
                    w.WriteSample(k.ScopeSet, k.WindowSet, SourceLabels.Of(LatencyMetricLabel(h.Metric), h.Source), 1);
                }
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
                if (h.Metric == "ttft_seconds" && h.Counts is { } counts)
                {
                    Write(w, k, LabelSet.Empty, HistogramQuantile.FractionAtOrBelow(slo, h.Bounds, counts));
                }
            }
        }
    }

    /// <summary>
    /// Wire histogram keys (<c>ttft_seconds</c>) to the <c>metric</c> label values of DESIGN §5 (<c>ttft</c>). The known
    /// keys map to constants: this runs for every latency row of a scrape (150,000 at 12,500 nodes).
    /// </summary>
    internal static string LatencyMetricLabel(string key) => key switch
    {
        "ttft_seconds" => "ttft",
        "tpot_seconds" => "tpot",
        "e2e_seconds" => "e2e",
        "queue_seconds" => "queue",
        _ => key.EndsWith("_seconds", StringComparison.Ordinal) ? key[..^"_seconds".Length] : key,
    };

    private static void PerTokenType(ExpositionWriter w, FleetSnapshot s, string name, string help, Func<KpiView, double, double?> value)
    {
        w.BeginFamily(name, MetricType.Gauge, help);
        foreach (var k in s.Kpis)
        {
            for (var t = 0; t < TokenTypes.Length; t++)
            {
                Write(w, k, TokenTypeSets[t], value(k, TokensOf(k, t)));
            }
        }
    }

    /// <summary>One KPI sample — scope labels, window, then <paramref name="extra"/> — unless the value is absent.</summary>
    private static void Write(ExpositionWriter w, KpiView k, LabelSet extra, double? value)
    {
        if (value is { } v)
        {
            w.WriteSample(k.ScopeSet, k.WindowSet, extra, v);
        }
    }
}
