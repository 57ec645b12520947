using Telemetry.Exposition;

namespace Telemetry.Collector.Metrics;

/// <summary>
/// A series' pre-encoded label set, kept with the series and rebuilt only when the values it was built
/// from change (a node moving pool, a GPU renamed): scrapes then copy bytes instead of escaping text.
/// Guarded by the lock of the state that holds it.
/// </summary>
internal struct CachedLabels<TKey>
    where TKey : IEquatable<TKey>
{
    private LabelSet? _set;
    private TKey _key;

    public LabelSet Get(TKey key, Func<TKey, LabelSet> build)
    {
        if (_set is null || !_key.Equals(key))
        {
            _set = build(key);
            _key = key;
        }

        return _set;
    }

    /// <summary>As <see cref="Get(TKey, Func{TKey, LabelSet})"/>, with state for a static builder (no closure per call).</summary>
    public LabelSet Get<TState>(TKey key, TState state, Func<TKey, TState, LabelSet> build)
    {
        if (_set is null || !_key.Equals(key))
        {
            _set = build(key, state);
            _key = key;
        }

        return _set;
    }
}
