using Telemetry.Scraping.Engines;
using Telemetry.Wire;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Wire histograms with per-bucket increases. A histogram resets as a whole: when its count or any
/// bucket goes down, or its bounds change (the engine restarted, perhaps with new buckets), or the
/// caller knows its source restarted, a new
/// epoch starts and the increases are the new values themselves.
/// </summary>
public sealed class HistogramTracker
{
    private readonly Dictionary<string, (HistogramReading Reading, long Epoch)> _last = new(StringComparer.Ordinal);

    public HistogramSample Observe(string key, string metric, HistogramReading h, long nowMs, bool restarted = false)
    {
        var sample = new HistogramSample { Metric = metric };
        sample.UpperBounds.AddRange(h.UpperBounds);
        sample.BucketCounts.AddRange(h.CumulativeCounts);
        if (!_last.TryGetValue(key, out var last))
        {
            Fill(sample, h, null, nowMs);
        }
        else if (restarted || IsReset(last.Reading, h))
        {
            Fill(sample, h, Zero(h), nowMs);
        }
        else
        {
            Fill(sample, h, last.Reading, last.Epoch);
        }

        _last[key] = (h, sample.Count.Epoch);
        return sample;
    }

    private static void Fill(HistogramSample sample, HistogramReading h, HistogramReading? baseline, long epoch)
    {
        for (var i = 0; i < h.CumulativeCounts.Length; i++)
        {
            sample.BucketDeltas.Add(baseline is null ? 0 : h.CumulativeCounts[i] - baseline.CumulativeCounts[i]);
        }

        sample.Count = new Counter { Total = h.Count, Delta = baseline is null ? 0 : h.Count - baseline.Count, Epoch = epoch };
        // A sum can legitimately shrink only on reset; negative observations are not latencies.
        sample.Sum = new Counter { Total = h.Sum, Delta = baseline is null ? 0 : Math.Max(0, h.Sum - baseline.Sum), Epoch = epoch };
    }

    private static HistogramReading Zero(HistogramReading h) => new(h.UpperBounds, new double[h.CumulativeCounts.Length], 0, 0);

    private static bool IsReset(HistogramReading last, HistogramReading now)
    {
        if (now.Count < last.Count || !now.UpperBounds.AsSpan().SequenceEqual(last.UpperBounds))
        {
            return true;
        }

        for (var i = 0; i < now.CumulativeCounts.Length; i++)
        {
            if (now.CumulativeCounts[i] < last.CumulativeCounts[i])
            {
                return true;
            }
        }

        return false;
    }
}
