using System.Collections.Concurrent;
using Telemetry.Collector.Windows;
using Telemetry.Exposition;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// The <c>metric</c> and <c>source</c> labels of <c>inference_kpi_latency_source_info</c>, encoded once per pair.
/// Metric names come from engines' histogram keys, so the cache is bounded like <see cref="LabelSetCache"/>.
/// </summary>
internal static class SourceLabels
{
    private const int Capacity = 64;
    private static readonly ConcurrentDictionary<(string, LatencySource), LabelSet> Sets = new();

    public static LabelSet Of(string metric, LatencySource source)
    {
        if (Sets.TryGetValue((metric, source), out var set))
        {
            return set;
        }

        set = LabelSet.Of(new Label("metric", metric), new Label("source", NameOf(source)));
        if (Sets.Count < Capacity)
        {
            Sets.TryAdd((metric, source), set);
        }

        return set;
    }

    public static string NameOf(LatencySource source) => source switch
    {
        LatencySource.Sketch => "sketch",
        LatencySource.BucketsMixed => "buckets_mixed",
        _ => "buckets",
    };
}
