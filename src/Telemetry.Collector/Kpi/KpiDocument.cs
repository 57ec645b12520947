using System.Text.Json.Serialization;

namespace Telemetry.Collector.Kpi;

/// <summary>
/// The <c>GET /api/v1/kpis</c> document (docs/api.md): the same numbers as the <c>inference_kpi_*</c>
/// families, one row per scope and window. Values that cannot be computed are omitted (null), never
/// 0 or Inf. Serialized with System.Text.Json source generation (<see cref="KpiJsonContext"/>).
/// </summary>
public sealed record KpiDocument(double TimestampSeconds, IReadOnlyList<KpiRow> Kpis)
{
    /// <summary>Per-tenant, per-tier and per-server rows from the metering proxies (docs/proxy.md); omitted when empty.</summary>
    public IReadOnlyList<Proxy.ProxyKpiRow>? Proxy { get; init; }
}

public sealed record KpiRow(
    string Scope,
    IReadOnlyDictionary<string, string> Labels,
    string Window,
    double CoveredSeconds,
    double InputTokens,
    double OutputTokens,
    double EnergyJoules,
    ByTokenType? TokensPerJoule,
    ByTokenType? FacilityTokensPerJoule,
    ByTokenType? TokensPerSecond,
    ByTokenType? EnergyCostPerMillionTokensUsd,
    ByTokenType? TotalCostPerMillionTokensUsd,
    double? MarginPerMillionTokensUsd,
    double? GpuUtilizationRatio,
    double? IdleEnergyRatio,
    IReadOnlyDictionary<string, LatencyQuantiles>? LatencySeconds,
    double? TtftSloAttainmentRatio);

/// <summary>One ratio per token type; a type whose value cannot be computed is omitted.</summary>
public sealed record ByTokenType(double? Output, double? Input, double? Total)
{
    public static ByTokenType? Of(double? output, double? input, double? total) =>
        output is null && input is null && total is null ? null : new ByTokenType(output, input, total);
}

/// <summary>
/// Quantiles of one latency histogram over the window, its observation count, and their source:
/// <c>sketch</c>, <c>buckets</c> or <c>buckets_mixed</c> (as <c>inference_kpi_latency_source_info</c>).
/// </summary>
public sealed record LatencyQuantiles(
    [property: JsonPropertyName("p50")] double? P50,
    [property: JsonPropertyName("p90")] double? P90,
    [property: JsonPropertyName("p95")] double? P95,
    [property: JsonPropertyName("p99")] double? P99,
    double Count,
    string Source);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(KpiDocument))]
public sealed partial class KpiJsonContext : JsonSerializerContext;
