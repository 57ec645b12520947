using System.Text.Json;
using Telemetry.Collector.State;

namespace Telemetry.Collector.Kpi;

/// <summary>
/// <c>GET /api/v1/kpis</c>: the same rolling KPIs as /metrics, as JSON. One object per scope and
/// window; ratios that cannot be computed (no energy, no time covered) are omitted, never 0 or Inf.
/// </summary>
public static class KpiJson
{
    public static void Write(Utf8JsonWriter w, FleetSnapshot snapshot, string? scope, string? window)
    {
        w.WriteStartObject();
        w.WriteNumber("timestamp_seconds", snapshot.TakenMs / 1000.0);
        w.WriteStartArray("kpis");
        foreach (var k in snapshot.Kpis)
        {
            var kind = ScopeKinds.LabelOf(k.Scope);
            if ((scope is not null && scope != kind) || (window is not null && window != k.Window))
            {
                continue;
            }

            w.WriteStartObject();
            w.WriteString("scope", kind);
            w.WriteStartObject("labels");
            foreach (var (name, value) in k.ScopeLabels)
            {
                w.WriteString(name, value);
            }

            w.WriteEndObject();
            w.WriteString("window", k.Window);
            w.WriteNumber("covered_seconds", k.CoveredSeconds);
            w.WriteNumber("input_tokens", k.Sum.InputTokens);
            w.WriteNumber("output_tokens", k.Sum.OutputTokens);
            w.WriteNumber("energy_joules", k.Sum.EnergyJoules);
            WriteByType(w, "tokens_per_joule", k.TokensPerJoule(k.Sum.OutputTokens), k.TokensPerJoule(k.Sum.InputTokens), k.TokensPerJoule(k.Sum.TotalTokens));
            WriteByType(w, "facility_tokens_per_joule", k.FacilityTokensPerJoule(k.Sum.OutputTokens), k.FacilityTokensPerJoule(k.Sum.InputTokens), k.FacilityTokensPerJoule(k.Sum.TotalTokens));
            WriteByType(w, "tokens_per_second", k.TokensPerSecond(k.Sum.OutputTokens), k.TokensPerSecond(k.Sum.InputTokens), k.TokensPerSecond(k.Sum.TotalTokens));
            WriteByType(w, "energy_cost_per_million_tokens_usd", k.EnergyCostPerMillionTokens(k.Sum.OutputTokens), k.EnergyCostPerMillionTokens(k.Sum.InputTokens), k.EnergyCostPerMillionTokens(k.Sum.TotalTokens));
            WriteByType(w, "total_cost_per_million_tokens_usd", k.TotalCostPerMillionTokens(k.Sum.OutputTokens), k.TotalCostPerMillionTokens(k.Sum.InputTokens), k.TotalCostPerMillionTokens(k.Sum.TotalTokens));
            if (k.GpuUtilization is { } util)
            {
                w.WriteNumber("gpu_utilization_ratio", util);
            }

            if (k.IdleEnergyRatio is { } idle)
            {
                w.WriteNumber("idle_energy_ratio", idle);
            }
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteByType(Utf8JsonWriter w, string name, double? output, double? input, double? total)
    {
        if (output is null && input is null && total is null)
        {
            return;
        }

        w.WriteStartObject(name);
        if (output is { } o)
        {
            w.WriteNumber("output", o);
        }

        if (input is { } i)
        {
            w.WriteNumber("input", i);
        }

        if (total is { } t)
        {
            w.WriteNumber("total", t);
        }

        w.WriteEndObject();
    }
}
