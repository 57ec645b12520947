using Telemetry.Collector.Configuration;
using Telemetry.Collector.Kpi;

namespace Telemetry.Collector.Windows;

/// <summary>
/// All windows of one scope (server, node, model, pool, site, gpu_model, tier or fleet), and when
/// the scope's data begins: a young scope's windows start at the first whole slot in which all its
/// inputs (energy and every server's tokens) have data, so a half-covered first slot, or energy
/// measured before a server's tokens were first read, cannot bias a ratio.
/// </summary>
public sealed class ScopeWindows
{
    private readonly WindowRing[] _rings;
    private readonly IReadOnlyList<WindowDuration> _windows;
    private Dictionary<string, HistogramWindows>? _latency;
    private long _startMs = long.MinValue;

    /// <param name="windows">The scope's windows.</param>
    /// <param name="singlePrecision">True for node and server scopes: their slots in single precision (<see cref="SingleSlot"/>).</param>
    public ScopeWindows(IReadOnlyList<WindowDuration> windows, bool singlePrecision = false)
    {
        _windows = windows;
        _rings = new WindowRing[windows.Count];
        for (var i = 0; i < windows.Count; i++)
        {
            _rings[i] = new WindowRing(windows[i].SlotSeconds, windows[i].Seconds / windows[i].SlotSeconds, singlePrecision);
        }
    }

    /// <summary>Last time data was added (Unix ms): idle aggregate scopes are forgotten eventually.</summary>
    public long LastAddMs { get; private set; }

    /// <summary>Adds to every window; returns true if any part was too old for some window.</summary>
    public bool Add(long fromMs, long toMs, in Accumulation value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        if (_startMs == long.MinValue)
        {
            _startMs = Math.Min(fromMs, toMs);
        }

        LastAddMs = Math.Max(LastAddMs, toMs);
        var late = false;
        foreach (var ring in _rings)
        {
            late |= ring.Add(fromMs, toMs, value) > 0;
        }

        return late;
    }

    /// <summary>Records that an input contributes from <paramref name="fromMs"/> on.</summary>
    public void NoteInputStart(long fromMs) => _startMs = Math.Max(_startMs, fromMs);

    /// <summary>
    /// Records that all inputs also have data from the earlier <paramref name="fromMs"/> (reports that
    /// arrived after their successors), so a young window reads them too.
    /// </summary>
    public void ExtendStart(long fromMs)
    {
        if (_startMs != long.MinValue)
        {
            _startMs = Math.Min(_startMs, fromMs);
        }
    }

    /// <summary>
    /// The sum over window <paramref name="window"/> ending at or before <paramref name="endMs"/> (at a
    /// slot edge), and the seconds it covers; (default, 0) before any data.
    /// </summary>
    public (Accumulation Sum, double CoveredSeconds) Read(int window, long endMs)
    {
        if (_startMs == long.MinValue)
        {
            return (default, 0);
        }

        var ring = _rings[window];
        var endSlot = ring.EndSlot(endMs);
        var slotMs = ring.SlotSeconds * 1000L;
        var firstFullSlot = (_startMs + slotMs - 1) / slotMs;
        var slots = (int)Math.Min(ring.SlotCount, endSlot - firstFullSlot);
        return slots <= 0 ? (default, 0) : (ring.Sum(endSlot, slots), slots * (double)ring.SlotSeconds);
    }

    /// <summary>Adds latency observations of one histogram (e.g. <c>ttft_seconds</c>); created on first use with these bounds.</summary>
    public void AddHistogram(string metric, long fromMs, long toMs, double[] bounds, ReadOnlySpan<double> counts, double sum)
    {
        if (_windows.Count == 0)
        {
            return; // a node or server scope with its KPIs turned off (Collector:NodeKpiWindows = none)
        }

        _latency ??= new Dictionary<string, HistogramWindows>(StringComparer.Ordinal);
        if (!_latency.TryGetValue(metric, out var h))
        {
            _latency[metric] = h = new HistogramWindows(_windows, bounds);
        }

        h.Add(fromMs, toMs, bounds, counts, sum);
        LastAddMs = Math.Max(LastAddMs, toMs);
    }

    /// <summary>
    /// Each histogram's quantiles over window <paramref name="window"/>, by metric name; empty when the scope has
    /// none. The per-bucket counts are kept only when <paramref name="keepCounts"/> (tier scopes need them for SLO
    /// attainment): at fleet scale most rows are node and server scopes, and their counts would be most of a snapshot.
    /// </summary>
    public LatencyView[] ReadLatency(int window, long endMs, bool keepCounts)
    {
        if (_latency is null)
        {
            return [];
        }

        var result = new LatencyView[_latency.Count];
        var n = 0;
        Span<double> scratch = stackalloc double[256];
        foreach (var (metric, h) in _latency)
        {
            var counts = h.Bounds.Length < scratch.Length ? scratch[..(h.Bounds.Length + 1)] : new double[h.Bounds.Length + 1];
            var sum = h.Read(window, endMs, _windows[window].Seconds, counts);
            var view = LatencyView.FromCounts(metric, h.Bounds, counts, sum, keepCounts);
            if (view.Count > 0)
            {
                result[n++] = view;
            }
        }

        if (n < result.Length)
        {
            Array.Resize(ref result, n);
        }

        Array.Sort(result, static (a, b) => string.CompareOrdinal(a.Metric, b.Metric));
        return result;
    }
}

/// <summary>
/// One latency histogram of a scope over a window: observation count and sum, the quantiles of DESIGN §5
/// (linear interpolation in the reference <see cref="Bounds"/>; null when not estimable), and for tier scopes
/// the per-bucket <see cref="Counts"/> (+Inf last). The quantiles are kept as plain doubles (NaN: not estimable)
/// rather than nullable ones, which halves them: a fleet snapshot holds four of these per scope and window.
/// </summary>
public readonly record struct LatencyView
{
    private readonly double _p50, _p90, _p95, _p99;

    public LatencyView(string metric, double[] bounds, double count, double sum, double? p50, double? p90, double? p95, double? p99, double[]? counts)
    {
        Metric = metric;
        Bounds = bounds;
        Count = count;
        Sum = sum;
        _p50 = p50 ?? double.NaN;
        _p90 = p90 ?? double.NaN;
        _p95 = p95 ?? double.NaN;
        _p99 = p99 ?? double.NaN;
        Counts = counts;
    }

    public string Metric { get; }

    public double[] Bounds { get; }

    public double Count { get; }

    public double Sum { get; }

    public double? P50 => Known(_p50);

    public double? P90 => Known(_p90);

    public double? P95 => Known(_p95);

    public double? P99 => Known(_p99);

    public double[]? Counts { get; }

    /// <summary>Where the quantiles came from: engine buckets unless the proxies' sketches cover the whole scope (docs/kpis.md).</summary>
    public LatencySource Source { get; init; }

    /// <summary>The view of per-bucket <paramref name="counts"/> (+Inf last) on <paramref name="bounds"/>; the counts are copied only if kept.</summary>
    public static LatencyView FromCounts(string metric, double[] bounds, ReadOnlySpan<double> counts, double sum, bool keepCounts = true)
    {
        var count = 0.0;
        foreach (var c in counts)
        {
            count += c;
        }

        return new LatencyView(
            metric, bounds, count, sum,
            HistogramQuantile.Estimate(0.5, bounds, counts),
            HistogramQuantile.Estimate(0.9, bounds, counts),
            HistogramQuantile.Estimate(0.95, bounds, counts),
            HistogramQuantile.Estimate(0.99, bounds, counts),
            keepCounts ? counts.ToArray() : null);
    }

    private static double? Known(double quantile) => double.IsNaN(quantile) ? null : quantile;
}

/// <summary>The source of a scope's latency quantiles, exported as <c>inference_kpi_latency_source_info{source}</c>.</summary>
public enum LatencySource
{
    /// <summary>The engines' histogram buckets: no server of the scope had a proxy sketch in the window.</summary>
    Buckets,

    /// <summary>The merged proxy sketches of every server that had observations in the window (≤ 1% relative error).</summary>
    Sketch,

    /// <summary>Engine buckets although some servers had sketches: others had only buckets, and the two are never mixed.</summary>
    BucketsMixed,
}
