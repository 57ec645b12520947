using Telemetry.Collector.Windows;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>
/// An immutable copy of the fleet taken once per scrape (each node copied under its own lock), so
/// that rendering never holds a lock while it writes and /metrics and /api see the same numbers. The one
/// exception is the engines' raw histograms, which only /metrics writes: a <see cref="StreamView"/> reads them
/// from the live state (<see cref="RawHistograms"/>), one consistent histogram at a time.
/// </summary>
public sealed record FleetSnapshot(long TakenMs, IReadOnlyList<NodeView> Nodes, IReadOnlyList<KpiView> Kpis);

public sealed record NodeView(string Node, string Site, string Pool, bool Up, double LastReportSeconds, double ClockOffsetSeconds, string AgentVersion,
    IReadOnlyList<string> SourceErrors, GpuView[] Gpus, ServerView[] Servers, LabelSet Labels)
{
    /// <summary>The agent's backlog and spool as last reported (never mutated: each report brings a new one); null if never sent.</summary>
    public AgentHealth? Agent { get; init; }
}

public sealed record GpuView(uint Index, string Uuid, string Name, string Source, EnergyMethod Method, double EnergyJoulesTotal,
    GpuGauges Gauges, bool Lost, LabelSet Labels, LabelSet InfoLabels);

public sealed record ServerView(string Name, string Engine, string Role, string ModelLabel, bool Up, string Error,
    IReadOnlyList<string> GpuUuids, double EnergyJoulesTotal, StreamView[] Streams, LabelSet Labels, string Tier, LabelSet NameSet);

public sealed record StreamView(string Model, IReadOnlyList<KeyValuePair<string, string>> Labels, double? InputTokensTotal,
    double? OutputTokensTotal, KeyValuePair<string, double>[] Requests, RawHistograms Histograms,
    double? Running, double? Waiting, double? KvCacheUsageRatio, LabelSet SeriesLabels);

/// <summary>
/// An engine histogram's cumulative values when it was read (<see cref="RawHistograms.Read"/>): finite bounds (shared
/// from report to report, never written to), cumulative counts by <c>le</c>, count and sum.
/// </summary>
public sealed record RawHistogram(string Metric, double[] Bounds, double[] Counts, double Count, double Sum);

/// <summary>
/// The increments of one scope over one window. <see cref="CoveredSeconds"/> is the part of the
/// window that has data history (less than the window while the scope is new), the divisor for rates.
/// <see cref="ScopeSet"/> (<c>scope</c> and the scope's labels) and <see cref="WindowSet"/> (<c>window</c>) are
/// the same labels pre-encoded for /metrics. Collections are arrays so that rendering them allocates no enumerators.
/// </summary>
public sealed record KpiView(ScopeKind Scope, IReadOnlyList<KeyValuePair<string, string>> ScopeLabels, string Window,
    int WindowSeconds, double CoveredSeconds, Accumulation Sum, LatencyView[] Latency, LabelSet ScopeSet, LabelSet WindowSet)
{
    /// <summary>Tokens per joule, or null when no energy was measured (never Inf, never a fake 0).</summary>
    public double? TokensPerJoule(double tokens) => Sum.EnergyJoules > 0 ? tokens / Sum.EnergyJoules : null;

    /// <summary>Tokens per joule of facility energy (IT energy × PUE); null while any energy in the window has no site PUE.</summary>
    public double? FacilityTokensPerJoule(double tokens) =>
        Sum.FacilityEnergyJoules > 0 && Sum.UnpricedEnergyJoules <= 0 ? tokens / Sum.FacilityEnergyJoules : null;

    public double? TokensPerSecond(double tokens) => CoveredSeconds > 0 ? tokens / CoveredSeconds : null;

    /// <summary>Energy cost per million tokens; null without tokens or while any energy is unpriced.</summary>
    public double? EnergyCostPerMillionTokens(double tokens) =>
        tokens > 0 && Sum.UnpricedEnergyJoules <= 0 && Sum.EnergyJoules > 0 ? Sum.EnergyCostUsd / tokens * 1e6 : null;

    /// <summary>Energy plus capacity (GPU-hours, node fixed) cost per million tokens; null while anything is unpriced.</summary>
    public double? TotalCostPerMillionTokens(double tokens) =>
        EnergyCostPerMillionTokens(tokens) is { } energy && Sum.UnpricedGpuSeconds <= 0 ? energy + (Sum.CapacityCostUsd / tokens * 1e6) : null;

    /// <summary>Mean GPU utilization weighted by time; null when no GPU reported utilization.</summary>
    public double? GpuUtilization => Sum.UtilizationSampledSeconds > 0 ? Sum.UtilizationSeconds / Sum.UtilizationSampledSeconds : null;

    /// <summary>Share of the energy burned by GPUs that served no tokens; null without energy.</summary>
    public double? IdleEnergyRatio => Sum.EnergyJoules > 0 ? Sum.IdleEnergyJoules / Sum.EnergyJoules : null;
}
