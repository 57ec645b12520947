namespace Telemetry.Collector.Proxy;

/// <summary>One proxy KPI row of <c>/api/v1/kpis</c> (the <c>proxy</c> list): the same numbers as the proxy families.</summary>
public sealed record ProxyKpiRow(
    string Scope,
    IReadOnlyDictionary<string, string> Labels,
    string Window,
    double CoveredSeconds,
    double InputTokens,
    double OutputTokens,
    double? OutputTokensPerSecond,
    double? TokensPerUserHour,
    double? CostPerMillionTokensUsd,
    double? RevenueUsd,
    IReadOnlyDictionary<string, double> Requests,
    IReadOnlyDictionary<string, Kpi.LatencyQuantiles> LatencySeconds);

public static class ProxyKpiJson
{
    public static List<ProxyKpiRow> Build(ProxySnapshot snapshot, string? scope, string? window, IReadOnlyDictionary<string, double> tierPrices)
    {
        var rows = new List<ProxyKpiRow>();
        foreach (var k in snapshot.Kpis)
        {
            if ((scope is not null && scope != k.Scope) || (window is not null && window != k.Window))
            {
                continue;
            }

            var tier = k.Scope == ProxyScopes.Server ? null : k.Labels.FirstOrDefault(l => l.Key == "tier").Value;
            rows.Add(new ProxyKpiRow(k.Scope, k.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), k.Window, k.CoveredSeconds,
                k.InputTokens, k.OutputTokens, k.TokensPerSecond(k.OutputTokens), k.Scope == ProxyScopes.Server ? null : k.TokensPerUserHour(k.TotalTokens),
                k.CostPerMillionTokens(k.TotalTokens), tier is not null && tierPrices.TryGetValue(tier, out var price) ? k.TotalTokens * price / 1e6 : null,
                new Dictionary<string, double>(StringComparer.Ordinal) { ["success"] = k.Success, ["error"] = k.Error, ["aborted"] = k.Aborted },
                k.Sketches.Where(s => s.Sketch.Count > 0).ToDictionary(s => s.Metric, s => new Kpi.LatencyQuantiles(
                    s.Sketch.Quantile(0.5), s.Sketch.Quantile(0.9), s.Sketch.Quantile(0.95), s.Sketch.Quantile(0.99), s.Sketch.Count, "sketch"), StringComparer.Ordinal)));
        }

        return rows;
    }
}
