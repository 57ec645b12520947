using System.Diagnostics.Metrics;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using static Telemetry.Collector.Otlp.OtlpTags;

namespace Telemetry.Collector.Otlp;

/// <summary>
/// The <c>inference_kpi_*</c> families as OTLP observable gauges: each callback reads the shared
/// snapshot and the formulas of <see cref="KpiView"/>, as /metrics and /api/v1/kpis do. A KPI that
/// cannot be computed is left out, never sent as 0.
/// </summary>
internal static class KpiInstruments
{
    private static readonly string[] TokenTypes = ["output", "input", "total"];

    /// <summary>DESIGN §5 quantiles with the label values /metrics writes for them.</summary>

    private static double TokensOf(KpiView k, string tokenType) => tokenType switch
    {
        "output" => k.Sum.OutputTokens,
        "input" => k.Sum.InputTokens,
        _ => k.Sum.TotalTokens,
    };

    public static void Register(Meter meter, Func<FleetSnapshot> snapshot, IReadOnlyDictionary<string, double> tierPrices, IReadOnlyDictionary<string, double> ttftSlos)
    {
        PerTokenType(meter, snapshot, "inference_kpi_tokens_per_joule", "{token}/J", "Tokens per joule over the window.", (k, t) => k.TokensPerJoule(t));
        PerTokenType(meter, snapshot, "inference_kpi_facility_tokens_per_joule", "{token}/J", "Tokens per joule of facility energy (GPU energy × site PUE).", (k, t) => k.FacilityTokensPerJoule(t));
        PerTokenType(meter, snapshot, "inference_kpi_tokens_per_second", "{token}/s", "Tokens per second over the window.", (k, t) => k.TokensPerSecond(t));

        meter.CreateObservableGauge("inference_kpi_cost_per_million_tokens_usd", () => Each(snapshot(), (k, list) =>
        {
            foreach (var t in TokenTypes)
            {
                var tokens = TokensOf(k, t);
                Add(list, k.EnergyCostPerMillionTokens(tokens), ForKpi(k, Tag("basis", "energy"), Tag("token_type", t)));
                Add(list, k.TotalCostPerMillionTokens(tokens), ForKpi(k, Tag("basis", "total"), Tag("token_type", t)));
            }
        }), "{USD}", "Cost per million tokens, basis energy or total.");

        meter.CreateObservableGauge("inference_kpi_margin_per_million_tokens_usd", () => Each(snapshot(), (k, list) =>
        {
            if (k.Scope == ScopeKind.Tier && tierPrices.TryGetValue(k.ScopeLabels[0].Value, out var price) && k.TotalCostPerMillionTokens(k.Sum.TotalTokens) is { } cost)
            {
                list.Add(new(price - cost, ForKpi(k, Tag("token_type", "total"))));
            }
        }), "{USD}", "Tier price per million tokens minus total cost per million tokens.");

        meter.CreateObservableGauge("inference_kpi_gpu_utilization_ratio", () => Each(snapshot(), (k, list) => Add(list, k.GpuUtilization, ForKpi(k))), "1", "Mean GPU utilization over the window.");
        meter.CreateObservableGauge("inference_kpi_idle_energy_ratio", () => Each(snapshot(), (k, list) => Add(list, k.IdleEnergyRatio, ForKpi(k))), "1", "Share of the window's GPU energy burned by GPUs that served no tokens.");
        meter.CreateObservableGauge("inference_kpi_energy_joules", () => Each(snapshot(), (k, list) => list.Add(new(k.Sum.EnergyJoules, ForKpi(k)))), "J", "GPU energy in the scope over the window.");

        meter.CreateObservableGauge("inference_kpi_latency_seconds", () => Each(snapshot(), (k, list) =>
        {
            foreach (var h in k.Latency)
            {
                var metric = Metrics.KpiFamilies.LatencyMetricLabel(h.Metric);
                foreach (var (value, label) in (ReadOnlySpan<(double?, string)>)[(h.P50, "0.5"), (h.P90, "0.9"), (h.P95, "0.95"), (h.P99, "0.99")])
                {
                    Add(list, value, ForKpi(k, Tag("metric", metric), Tag("quantile", label)));
                }
            }
        }), "s", "Latency quantiles over the window from the engines' histogram buckets.");

        meter.CreateObservableGauge("inference_kpi_ttft_slo_attainment_ratio", () => Each(snapshot(), (k, list) =>
        {
            if (k.Scope != ScopeKind.Tier || !ttftSlos.TryGetValue(k.ScopeLabels[0].Value, out var slo) || slo <= 0)
            {
                return;
            }

            foreach (var h in k.Latency)
            {
                if (h.Metric == "ttft_seconds" && h.Counts is { } counts)
                {
                    Add(list, HistogramQuantile.FractionAtOrBelow(slo, h.Bounds, counts), ForKpi(k));
                }
            }
        }), "1", "Share of requests whose time to first token met the tier's objective.");
    }

    private static void PerTokenType(Meter meter, Func<FleetSnapshot> snapshot, string name, string unit, string description, Func<KpiView, double, double?> value) =>
        meter.CreateObservableGauge(name, () => Each(snapshot(), (k, list) =>
        {
            foreach (var t in TokenTypes)
            {
                Add(list, value(k, TokensOf(k, t)), ForKpi(k, Tag("token_type", t)));
            }
        }), unit, description);

    private static List<Measurement<double>> Each(FleetSnapshot s, Action<KpiView, List<Measurement<double>>> row)
    {
        var list = new List<Measurement<double>>(s.Kpis.Count);
        foreach (var k in s.Kpis)
        {
            row(k, list);
        }

        return list;
    }

    private static void Add(List<Measurement<double>> list, double? value, KeyValuePair<string, object?>[] tags)
    {
        if (value is { } v)
        {
            list.Add(new(v, tags));
        }
    }
}
