using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>Latest cumulative values of one model stream of a server.</summary>
internal sealed class StreamState(string model, KeyValuePair<string, string>[] labels)
{
    public string Model { get; } = model;

    /// <summary>Engine-specific identifying labels (e.g. vLLM's data-parallel <c>engine</c>), sorted by name.</summary>
    public KeyValuePair<string, string>[] Labels { get; } = labels;

    public CounterState InputTokens;
    public CounterState OutputTokens;
    public Dictionary<string, CounterState> Requests { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, HistogramSample> Histograms { get; } = new(StringComparer.Ordinal);
    public double? Running { get; set; }
    public double? Waiting { get; set; }
    public double? KvCacheUsageRatio { get; set; }

    /// <summary>Key of a stream within its server: model plus its identifying labels.</summary>
    public static string KeyOf(StreamSample s)
    {
        if (s.Labels.Count == 0)
        {
            return s.Model;
        }

        var parts = new List<string>(s.Labels.Count);
        foreach (var (k, v) in s.Labels)
        {
            parts.Add(k + "=" + v);
        }

        parts.Sort(StringComparer.Ordinal);
        return s.Model + "\u0000" + string.Join('\u0000', parts);
    }

    public static KeyValuePair<string, string>[] SortedLabels(StreamSample s)
    {
        var labels = s.Labels.ToArray();
        Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return labels;
    }
}
