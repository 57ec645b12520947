using Telemetry.Collector.State;

namespace Telemetry.Collector.Kpi;

/// <summary>
/// Builds the <c>GET /api/v1/kpis</c> document from a snapshot, with the same KPI definitions as the
/// /metrics families (<see cref="KpiView"/>), optionally filtered by scope kind and window label.
/// </summary>
public static class KpiJson
{
    public static KpiDocument Build(FleetSnapshot snapshot, string? scope, string? window,
        IReadOnlyDictionary<string, double> tierPrices, IReadOnlyDictionary<string, double> ttftSlos)
    {
        var rows = new List<KpiRow>();
        foreach (var k in snapshot.Kpis)
        {
            var kind = ScopeKinds.LabelOf(k.Scope);
            if ((scope is not null && scope != kind) || (window is not null && window != k.Window))
            {
                continue;
            }

            var s = k.Sum;
            var tier = k.Scope == ScopeKind.Tier ? k.ScopeLabels[0].Value : null;
            rows.Add(new KpiRow(
                kind,
                k.ScopeLabels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
                k.Window,
                k.CoveredSeconds,
                s.InputTokens,
                s.OutputTokens,
                s.EnergyJoules,
                ByTokenType.Of(k.TokensPerJoule(s.OutputTokens), k.TokensPerJoule(s.InputTokens), k.TokensPerJoule(s.TotalTokens)),
                ByTokenType.Of(k.FacilityTokensPerJoule(s.OutputTokens), k.FacilityTokensPerJoule(s.InputTokens), k.FacilityTokensPerJoule(s.TotalTokens)),
                ByTokenType.Of(k.TokensPerSecond(s.OutputTokens), k.TokensPerSecond(s.InputTokens), k.TokensPerSecond(s.TotalTokens)),
                ByTokenType.Of(k.EnergyCostPerMillionTokens(s.OutputTokens), k.EnergyCostPerMillionTokens(s.InputTokens), k.EnergyCostPerMillionTokens(s.TotalTokens)),
                ByTokenType.Of(k.TotalCostPerMillionTokens(s.OutputTokens), k.TotalCostPerMillionTokens(s.InputTokens), k.TotalCostPerMillionTokens(s.TotalTokens)),
                tier is not null && tierPrices.TryGetValue(tier, out var price) && k.TotalCostPerMillionTokens(s.TotalTokens) is { } cost ? price - cost : null,
                k.GpuUtilization,
                k.IdleEnergyRatio,
                k.Latency.Length == 0 ? null : k.Latency.ToDictionary(h => Metrics.KpiFamilies.LatencyMetricLabel(h.Metric), Quantiles, StringComparer.Ordinal),
                tier is not null && ttftSlos.TryGetValue(tier, out var slo) && slo > 0 && k.Latency.FirstOrDefault(h => h.Metric == "ttft_seconds") is { Counts: { } counts } ttft
                    ? HistogramQuantile.FractionAtOrBelow(slo, ttft.Bounds, counts)
                    : null));
        }

        return new KpiDocument(snapshot.TakenMs / 1000.0, rows);
    }

    private static LatencyQuantiles Quantiles(Windows.LatencyView h) => new(h.P50, h.P90, h.P95, h.P99, h.Count, Metrics.SourceLabels.NameOf(h.Source));
}
