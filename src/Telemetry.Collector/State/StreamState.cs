using Telemetry.Collector.Metrics;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>Latest cumulative values of one model stream of a server; guarded by its node's lock (<paramref name="sync"/>).</summary>
internal sealed class StreamState(string model, KeyValuePair<string, string>[] labels, Lock sync)
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

    /// <summary>Reads <see cref="Histograms"/> for <c>/metrics</c> under the node's lock (not copied into snapshots).</summary>
    public RawHistograms Raw => _raw ??= new RawHistograms(this, sync);

    private RawHistograms? _raw;

    private CachedLabels<(string, string, string, string, string, string)> _labels;

    /// <summary>Series labels: node, site, pool, server, engine, model, role, then the engine's own labels.</summary>
    public LabelSet SeriesLabels(NodeState node, ServerState server) => _labels.Get((node.Node, node.Site, node.Pool, server.Name, server.Engine, server.Role), this, static (k, stream) =>
    {
        var labels = new Label[7 + stream.Labels.Length];
        labels[0] = new("node", k.Item1);
        labels[1] = new("site", k.Item2);
        labels[2] = new("pool", k.Item3);
        labels[3] = new("server", k.Item4);
        labels[4] = new("engine", k.Item5);
        labels[5] = new("model", stream.Model);
        labels[6] = new("role", k.Item6);
        for (var i = 0; i < stream.Labels.Length; i++)
        {
            labels[7 + i] = new(MetricsRenderer.StreamLabelName(stream.Labels[i].Key), stream.Labels[i].Value);
        }

        return LabelSet.Of(labels);
    });

    private readonly Dictionary<string, double[]> _bounds = new(StringComparer.Ordinal);

    /// <summary>A histogram's finite bounds as an array shared from report to report while they stay the same, and with other streams of the same layout (<see cref="SharedBounds"/>; never written to).</summary>
    public double[] BoundsOf(HistogramSample h)
    {
        if (_bounds.TryGetValue(h.Metric, out var cached) && cached.Length == h.UpperBounds.Count)
        {
            var same = true;
            for (var i = 0; i < cached.Length && same; i++)
            {
                same = cached[i].Equals(h.UpperBounds[i]);
            }

            if (same)
            {
                return cached;
            }
        }

        return _bounds[h.Metric] = SharedBounds.Of([.. h.UpperBounds]);
    }

    /// <summary>Key of a stream within its server: model plus its identifying labels.</summary>
    public static string KeyOf(StreamSample s)
    {
        if (s.Labels.Count == 0)
        {
            return s.Model;
        }

        if (s.Labels.Count == 1)
        {
            foreach (var (k, v) in s.Labels)
            {
                return string.Concat([s.Model, "\u0000", k, "=", v]); // the common case (vLLM's engine label), one string
            }
        }

        var parts = new List<string>(s.Labels.Count);
        foreach (var (k, v) in s.Labels)
        {
            parts.Add(k + "=" + v);
        }

        parts.Sort(StringComparer.Ordinal);
        return s.Model + "\u0000" + string.Join('\u0000', parts);
    }

    /// <summary>Whether two samples are the same stream (<see cref="KeyOf"/> equal) — without building keys.</summary>
    public static bool SameStream(StreamSample a, StreamSample b) => Matches(a.Model, LabelsOf(a), b);

    [ThreadStatic]
    private static KeyValuePair<string, string>[]? _labelsPerThread;

    /// <summary>
    /// A sample's labels, copied into a buffer of the thread's that the next call overwrites: enumerating a
    /// protobuf map allocates an enumerator, and every stream of every report has its labels checked.
    /// </summary>
    public static ReadOnlySpan<KeyValuePair<string, string>> LabelsOf(StreamSample s)
    {
        var count = s.Labels.Count;
        if (count == 0)
        {
            return [];
        }

        var buffer = _labelsPerThread is { } b && b.Length >= count ? b : _labelsPerThread = new KeyValuePair<string, string>[Math.Max(count, 8)];
        ((ICollection<KeyValuePair<string, string>>)s.Labels).CopyTo(buffer, 0);
        return buffer.AsSpan(0, count);
    }

    /// <summary>Whether <paramref name="s"/> is this stream (same model and identifying labels), without building its key.</summary>
    public bool Is(StreamSample s) => Matches(Model, Labels, s);

    private static bool Matches(string model, ReadOnlySpan<KeyValuePair<string, string>> labels, StreamSample s)
    {
        if (s.Model != model || s.Labels.Count != labels.Length)
        {
            return false;
        }

        foreach (var (k, v) in labels)
        {
            if (!s.Labels.TryGetValue(k, out var other) || other != v)
            {
                return false;
            }
        }

        return true;
    }

    public static KeyValuePair<string, string>[] SortedLabels(StreamSample s)
    {
        var labels = s.Labels.ToArray();
        Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return labels;
    }
}
