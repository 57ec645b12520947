using Telemetry.Wire.Sketches;

namespace Telemetry.Collector.Proxy;

/// <summary>Proxy scopes: a tenant (with its tier), a tier across tenants, a server's sketch latency.</summary>
public static class ProxyScopes
{
    public const string Tenant = "tenant";
    public const string Tier = "request_tier";
    public const string Server = "proxy_server";

    public static readonly IReadOnlyList<string> All = [Tenant, Tier, Server];
}

/// <summary>
/// What the metering proxies measured for one scope over one window. Sketches are merged across nodes
/// and servers; <see cref="CostUsd"/> is the scope's share (by tokens) of its servers' priced energy and
/// capacity cost, null while any of those servers is unpriced.
/// </summary>
public sealed record ProxyKpiView(string Scope, IReadOnlyList<KeyValuePair<string, string>> Labels, string Window, double CoveredSeconds,
    double InputTokens, double OutputTokens, double UserSeconds, double Success, double Error, double Aborted,
    LogSketch Ttft, LogSketch Tpot, LogSketch E2e, double? CostUsd)
{
    public double TotalTokens => InputTokens + OutputTokens;

    public double? TokensPerSecond(double tokens) => CoveredSeconds > 0 ? tokens / CoveredSeconds : null;

    /// <summary>Tokens per user-hour: tokens over the hours users were active; null without active users.</summary>
    public double? TokensPerUserHour(double tokens) => UserSeconds > 0 ? tokens / (UserSeconds / 3600) : null;

    public double? CostPerMillionTokens(double tokens) => CostUsd is { } c && tokens > 0 ? c / tokens * 1e6 : null;

    public IEnumerable<(string Metric, LogSketch Sketch)> Sketches => [("ttft", Ttft), ("tpot", Tpot), ("e2e", E2e)];
}

/// <summary>The raw cumulative counters of one proxy stream, as the agent reported them last.</summary>
public sealed record ProxyStreamView(string Node, string Site, string Pool, string Server, string Model, string Tenant, string Tier,
    double InputTokensTotal, double OutputTokensTotal, IReadOnlyList<KeyValuePair<string, double>> Requests, double EstimatedRequestsTotal, double UserSecondsTotal);

public sealed record ProxySnapshot(IReadOnlyList<ProxyStreamView> Streams, IReadOnlyList<ProxyKpiView> Kpis);
