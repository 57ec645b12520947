using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Ingest;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.State;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.Hosting;

/// <summary>
/// The collector's composition root: fleet state, ingest checks, KPI snapshots and the scrape cache.
/// The HTTP endpoints are thin wrappers over it, so tests can drive it without a server.
/// </summary>
public sealed class CollectorService : IDisposable
{
    private readonly FleetState _fleet;
    private readonly SnapshotBuilder _snapshots;
    private readonly HashSet<string> _nodeWindowLabels;
    private readonly TimeProvider _time;
    private readonly ScrapeCache _scrapeCache;
    private readonly Dictionary<string, double> _tierPrices;
    private readonly Dictionary<string, double> _ttftSlos;
    private readonly Proxy.ProxyLedgerState _proxy;
    private RenderStats _lastRender = RenderStats.None;
    private FleetSnapshot? _latest;

    public CollectorService(CollectorOptions options, TimeProvider? time = null)
    {
        Options = options;
        _time = time ?? TimeProvider.System;
        Windows = CollectorOptionsValidator.ResolveWindows(options);
        Cost = new CostModel(options.Cost);
        NodeKpiWindows = CollectorOptionsValidator.ResolveNodeKpiWindows(options, Windows);
        _fleet = new FleetState(Windows, Cost, NodeKpiWindows);
        _nodeWindowLabels = NodeKpiWindows.Select(w => w.Label).ToHashSet(StringComparer.Ordinal);
        _proxy = new Proxy.ProxyLedgerState(Windows);
        _snapshots = new SnapshotBuilder(_fleet, Windows, options.StaleAfterIntervals);
        Authorizer = new IngestAuthorizer(options.Auth);
        ReadAuthorizer = new Security.ReadAuthorizer(options.Auth.ReadTokens);
        RateLimiter = new NodeRateLimiter(options.RateLimit, _time);
        Gate = new IngestGate(options.RateLimit.MaxInFlight);
        _tierPrices = options.Tiers.ToDictionary(t => t.Name, t => t.PricePerMillionTokensUsd, StringComparer.Ordinal);
        _ttftSlos = options.Tiers.ToDictionary(t => t.Name, t => t.TtftSloSeconds, StringComparer.Ordinal);
        _scrapeCache = new ScrapeCache(Render, TimeSpan.Zero, _time);
    }

    public CollectorOptions Options { get; }
    public IReadOnlyList<WindowDuration> Windows { get; }

    /// <summary>The windows node and server scopes are kept in (Collector:NodeKpiWindows).</summary>
    public IReadOnlyList<WindowDuration> NodeKpiWindows { get; }
    public IngestStats Stats { get; } = new();
    public IngestAuthorizer Authorizer { get; }

    /// <summary>Optional read tokens for /metrics and /api/* (Collector:Auth:ReadTokens).</summary>
    public Security.ReadAuthorizer ReadAuthorizer { get; }

    /// <summary>Per-node token buckets (Collector:RateLimit).</summary>
    public NodeRateLimiter RateLimiter { get; }

    /// <summary>The in-flight ingest guard (Collector:RateLimit:MaxInFlight).</summary>
    public IngestGate Gate { get; }

    public CostModel Cost { get; }

    /// <summary>Applies a decoded, authorized report; null on success, else the validation error.</summary>
    public (ApplyOutcome Outcome, string? Error) Ingest(NodeReport report)
    {
        if (ReportValidator.Validate(report) is { } error)
        {
            Stats.CountRejected(RejectReason.Invalid);
            return (default, error);
        }

        ReportValidator.ClearImpossibleGauges(report);
        var outcome = _fleet.Apply(report, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (outcome == ApplyOutcome.Duplicate)
        {
            Stats.CountDuplicate();
        }
        else
        {
            Stats.CountAccepted();
            ApplyProxyStreams(report);
        }

        return (outcome, null);
    }

    /// <summary>Metering-proxy streams, placed with the node's clock offset as the fleet state just corrected it.</summary>
    private void ApplyProxyStreams(NodeReport report)
    {
        for (var i = 0; i < report.Servers.Count; i++) // not LINQ: this runs for every report
        {
            if (report.Servers[i].ProxyStreams.Count > 0)
            {
                var offset = _fleet.TryGetNode(report.Node)?.ClockOffsetMs ?? 0;
                _proxy.Apply(report, offset);
                return;
            }
        }
    }

    /// <summary>The fleet (server latency from proxy sketches where there are any) and the proxy scopes, taken together.</summary>
    private (FleetSnapshot Fleet, Proxy.ProxySnapshot Proxy) Snapshots() => Snapshots(MetricsPart.Whole);

    /// <summary>
    /// The snapshots one part of /metrics is rendered from. The part with the fleet-wide scopes is taken from the whole
    /// fleet while metering proxies report: a wider scope's latency merges the sketches of every server in it, and the
    /// proxies' tenant costs need every server's cost. Other parts copy only their own nodes.
    /// </summary>
    private (FleetSnapshot Fleet, Proxy.ProxySnapshot Proxy) Snapshots(MetricsPart part)
    {
        var whole = part.IsWhole || (part.HasFleetWide && _proxy.HasStreams);
        var fleet = _snapshots.Build(_time.GetUtcNow().ToUnixTimeMilliseconds(), whole ? MetricsPart.Whole : part);
        var proxy = _proxy.Snapshot(fleet.TakenMs, fleet);
        fleet = Proxy.SketchPreference.Apply(fleet, proxy, _nodeWindowLabels);
        if (part.IsWhole)
        {
            Volatile.Write(ref _latest, fleet);
        }

        return (whole ? SnapshotBuilder.Select(fleet, part) : fleet, proxy);
    }

    private void Render(ExpositionWriter w, int partKey)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var part = MetricsPart.FromKey(partKey);
        var (snapshot, proxySnapshot) = Snapshots(part);
        FleetWideFamilies? fleetWide = null;
        if (part.HasFleetWide)
        {
            var (up, stale) = part.IsWhole ? (snapshot.Nodes.Count(n => n.Up), snapshot.Nodes.Count(n => !n.Up)) : _snapshots.CountNodes(snapshot.TakenMs);
            fleetWide = new FleetWideFamilies(first => Proxy.ProxyFamilies.Render(first, proxySnapshot, _tierPrices), Stats, _fleet.LateIncrements, _lastRender,
                Options.Otlp.Enabled ? ExportStats : null, up, stale);
        }

        MetricsRenderer.Render(w, snapshot, fleetWide, _tierPrices, _ttftSlos, Cost, twoThreads: snapshot.Nodes.Count >= MetricsRenderer.TwoThreadsFromNodes);
        _lastRender = new RenderStats(w.SampleCount, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, (int)w.Written.Length);
    }

    public FleetSnapshot Snapshot() => Snapshots().Fleet;

    /// <summary>
    /// The last snapshot if it is at most <paramref name="maxAge"/> old, else a new one: the OTLP
    /// callbacks of one push (one per instrument) share one snapshot instead of building their own.
    /// </summary>
    public FleetSnapshot RecentSnapshot(TimeSpan maxAge)
    {
        var latest = Volatile.Read(ref _latest);
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return latest is not null && nowMs - latest.TakenMs <= maxAge.TotalMilliseconds && nowMs >= latest.TakenMs ? latest : Snapshot();
    }

    /// <summary>Size and cost of the previous /metrics render (zero before the first).</summary>
    internal RenderStats LastRender => Volatile.Read(ref _lastRender);

    /// <summary>Late increments: in raw counters, missing from windowed KPIs.</summary>
    public long LateIncrements => _fleet.LateIncrements;

    /// <summary>Tier prices and TTFT objectives by tier name, as configured.</summary>
    internal IReadOnlyDictionary<string, double> TierPrices => _tierPrices;

    internal IReadOnlyDictionary<string, double> TtftSlos => _ttftSlos;

    /// <summary>Outcomes of OTLP pushes; exported only while push is configured.</summary>
    public Otlp.OtlpExportStats ExportStats { get; } = new();

    /// <summary>The <c>/api/v1/kpis</c> document, optionally filtered by scope kind and window label.</summary>
    public KpiDocument Kpis(string? scope, string? window)
    {
        var (snapshot, proxySnapshot) = Snapshots();
        var proxyScope = scope is not null && Proxy.ProxyScopes.All.Contains(scope);
        var proxy = Proxy.ProxyKpiJson.Build(proxySnapshot, scope, window, _tierPrices);
        return KpiJson.Build(snapshot, proxyScope ? "\u0000none" : scope, window, _tierPrices, _ttftSlos) with { Proxy = proxy.Count > 0 ? proxy : null };
    }

    public Task<RenderedScrape> RenderMetricsAsync(ExpositionFormat format, CancellationToken ct) => RenderMetricsAsync(format, MetricsPart.Whole, ct);

    /// <summary>One part of /metrics (<see cref="MetricsPart"/>); concurrent scrapes of the same part share one render.</summary>
    public Task<RenderedScrape> RenderMetricsAsync(ExpositionFormat format, MetricsPart part, CancellationToken ct) => _scrapeCache.GetAsync(format, part.Key, ct);

    public void Dispose() => _scrapeCache.Dispose();
}
