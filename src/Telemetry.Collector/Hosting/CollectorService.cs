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
    private readonly TimeProvider _time;
    private readonly ScrapeCache _scrapeCache;
    private readonly Dictionary<string, double> _tierPrices;
    private readonly Dictionary<string, double> _ttftSlos;
    private RenderStats _lastRender;

    public CollectorService(CollectorOptions options, TimeProvider? time = null)
    {
        Options = options;
        _time = time ?? TimeProvider.System;
        Windows = CollectorOptionsValidator.ResolveWindows(options);
        Cost = new CostModel(options.Cost);
        NodeKpiWindows = CollectorOptionsValidator.ResolveNodeKpiWindows(options, Windows);
        _fleet = new FleetState(Windows, Cost, NodeKpiWindows);
        _snapshots = new SnapshotBuilder(_fleet, Windows, options.StaleAfterIntervals);
        Authorizer = new IngestAuthorizer(options.Auth);
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

    public CostModel Cost { get; }

    /// <summary>Applies a decoded, authorized report; null on success, else the validation error.</summary>
    public (ApplyOutcome Outcome, string? Error) Ingest(NodeReport report)
    {
        if (ReportValidator.Validate(report) is { } error)
        {
            Stats.CountRejected(RejectReason.Invalid);
            return (default, error);
        }

        var outcome = _fleet.Apply(report, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (outcome == ApplyOutcome.Duplicate)
        {
            Stats.CountDuplicate();
        }
        else
        {
            Stats.CountAccepted();
        }

        return (outcome, null);
    }

    private void Render(ExpositionWriter w)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        MetricsRenderer.Render(w, Snapshot(), Stats, _fleet.LateIncrements, _tierPrices, _ttftSlos, Cost, _lastRender);
        _lastRender = new RenderStats(w.SampleCount, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, w.WrittenMemory.Length);
    }

    public FleetSnapshot Snapshot() => _snapshots.Build(_time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>The <c>/api/v1/kpis</c> document, optionally filtered by scope kind and window label.</summary>
    public KpiDocument Kpis(string? scope, string? window) => KpiJson.Build(Snapshot(), scope, window, _tierPrices, _ttftSlos);

    public Task<RenderedScrape> RenderMetricsAsync(ExpositionFormat format, CancellationToken ct) => _scrapeCache.GetAsync(format, ct);

    public void Dispose() => _scrapeCache.Dispose();
}
