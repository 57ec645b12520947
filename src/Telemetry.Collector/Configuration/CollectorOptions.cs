namespace Telemetry.Collector.Configuration;

/// <summary>
/// The <c>Collector</c> configuration section (DESIGN §6). Bound from JSON, environment
/// (<c>Collector__Listen</c>) and command line (<c>--Collector:Listen=…</c>); checked by
/// <see cref="CollectorOptionsValidator"/> at start so a bad key fails loudly, by name.
/// </summary>
public sealed class CollectorOptions
{
    public const string SectionName = "Collector";

    /// <summary>Kestrel listen URL; loopback by default so a first run exposes nothing.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:9464";

    public AuthOptions Auth { get; set; } = new();

    /// <summary>Per-node token bucket and the global in-flight guard on ingest (docs/security.md).</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    public CostOptions Cost { get; set; } = new();

    /// <summary>Token price tiers (DESIGN §4): price per million tokens and TTFT objective.</summary>
    public List<TierOptions> Tiers { get; set; } = [];

    /// <summary>Rolling KPI windows, e.g. <c>["1m","5m","15m","1h"]</c>.</summary>
    public List<string> Windows { get; set; } = [];

    /// <summary>
    /// Windows in which the per-node and per-server scopes get KPIs: by default only the shortest of
    /// <see cref="Windows"/>, since at fleet scale those scopes are most of the series and Prometheus can
    /// take longer ranges of them from the raw counters; <c>["none"]</c> for no node or server KPI series.
    /// Fleet-wide scopes (fleet, site, pool, model, gpu_model, tier) always get every window.
    /// </summary>
    public List<string> NodeKpiWindows { get; set; } = [];

    /// <summary>Largest accepted report body (before and after gzip). A node with 8 GPUs and a few
    /// servers sends a few KiB; 1 MiB leaves room for hundreds of streams and histograms.</summary>
    public int MaxReportBytes { get; set; } = 1024 * 1024;

    /// <summary>A node that has not reported for this many of its intervals is stale (<c>inference_node_up 0</c>).</summary>
    public double StaleAfterIntervals { get; set; } = 3;

    /// <summary>Optional OTLP push (docs/otlp.md); off unless <c>Collector:Otlp:Endpoint</c> is set.</summary>
    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>Default windows when none are configured (DESIGN §4).</summary>
    public static readonly IReadOnlyList<string> DefaultWindows = ["1m", "5m", "15m", "1h"];
}

public sealed class AuthOptions
{
    /// <summary>Ingest tokens and the node ids each may report for. None = open ingest, loopback only.</summary>
    public List<IngestTokenOptions> Tokens { get; set; } = [];

    /// <summary>Bearer tokens that may read <c>/metrics</c> and <c>/api/*</c>; none = those are open (the default).</summary>
    public List<string> ReadTokens { get; set; } = [];
}

/// <summary>
/// Ingest rate limits. The defaults never slow a healthy node (one report per interval) and let an agent replay
/// an hour of 1-s backlog (3,600 reports, sent one at a time) in about 35 s: 200 at once, then 100 a second.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Average reports a second one node may send (refill rate); 0 turns the per-node limit off.</summary>
    public double ReportsPerSecond { get; set; } = 100;

    /// <summary>Reports one node may send back to back (bucket size), e.g. the start of a backlog replay.</summary>
    public double Burst { get; set; } = 200;

    /// <summary>Ingest requests handled at once before the rest get 429 (overload); 0 = no limit. Thousands of
    /// reports a second at ~1 ms each keep only tens in flight, so 1024 is reached only by a flood or a stall.</summary>
    public int MaxInFlight { get; set; } = 1024;
}

public sealed class IngestTokenOptions
{
    public string Token { get; set; } = "";

    /// <summary>Node ids this token may report for; <c>*</c> allows any node.</summary>
    public List<string> Nodes { get; set; } = [];
}

/// <summary>The cost model: electricity and PUE per site, hourly cost per GPU model.</summary>
public sealed class CostOptions
{
    public List<SiteCostOptions> Sites { get; set; } = [];

    public List<GpuCostOptions> Gpus { get; set; } = [];

    /// <summary>Site entry used for nodes whose site has none; empty = their cost is unknown (withheld).</summary>
    public string DefaultSite { get; set; } = "";
}

public sealed class SiteCostOptions
{
    public string Name { get; set; } = "";

    public double PricePerKwhUsd { get; set; }

    /// <summary>Power usage effectiveness: facility energy ÷ IT energy, at least 1.</summary>
    public double Pue { get; set; } = 1;

    /// <summary>Fixed cost of one node per hour at this site (host, network, space), spread over its GPUs.</summary>
    public double NodeHourlyUsd { get; set; }
}

public sealed class GpuCostOptions
{
    /// <summary>Matched case-insensitively as a substring of the GPU model name, e.g. "H100".</summary>
    public string Match { get; set; } = "";

    /// <summary>Amortized or rented cost of one GPU for one hour.</summary>
    public double HourlyUsd { get; set; }
}

public sealed class TierOptions
{
    public string Name { get; set; } = "";

    public double PricePerMillionTokensUsd { get; set; }

    public double TtftSloSeconds { get; set; }
}
