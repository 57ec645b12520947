using System.Collections.Concurrent;
using Telemetry.Exposition;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// One-label sets (<c>outcome="success"</c>, <c>metric="ttft"</c>) encoded once per value. The values come
/// from agents, so the cache is bounded: past <see cref="Capacity"/> distinct values a set is built per use.
/// </summary>
internal sealed class LabelSetCache(string name)
{
    private const int Capacity = 64;
    private readonly ConcurrentDictionary<string, LabelSet> _sets = new(StringComparer.Ordinal);

    public static LabelSetCache Outcome { get; } = new("outcome");

    public static LabelSetCache Metric { get; } = new("metric");

    public static LabelSetCache Tier { get; } = new("tier");

    public LabelSet Of(string value)
    {
        if (_sets.TryGetValue(value, out var set))
        {
            return set;
        }

        set = LabelSet.Of(new Label(name, value));
        if (_sets.Count < Capacity)
        {
            _sets.TryAdd(value, set);
        }

        return set;
    }
}
