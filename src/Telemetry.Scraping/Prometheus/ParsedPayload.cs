namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// The result of one successful parse: families in payload order, looked up by family name, and
/// samples looked up by their exact sample name (independent of how they were grouped).
/// Immutable once returned; safe to read from several threads.
/// </summary>
public sealed class ParsedPayload
{
    private readonly List<MetricFamily> _families;
    private readonly Dictionary<string, MetricFamily> _byName;
    private Dictionary<string, List<MetricSample>>? _bySampleName;

    internal ParsedPayload(List<MetricFamily> families, Dictionary<string, MetricFamily> byName, int sampleCount)
    {
        _families = families;
        _byName = byName;
        SampleCount = sampleCount;
    }

    public IReadOnlyList<MetricFamily> Families => _families;

    public int SampleCount { get; }

    /// <summary>The family declared (or first seen) under exactly <paramref name="familyName"/>, or null.</summary>
    public MetricFamily? Find(string familyName) =>
        _byName.TryGetValue(familyName, out var family) ? family : null;

    /// <summary>
    /// Every sample whose full name is exactly <paramref name="sampleName"/> (e.g. <c>foo_bucket</c>),
    /// from whichever family it was grouped into; empty when there is none.
    /// </summary>
    public IReadOnlyList<MetricSample> SamplesNamed(string sampleName)
    {
        var index = LazyInitializer.EnsureInitialized(ref _bySampleName, BuildSampleIndex);
        return index.TryGetValue(sampleName, out var samples) ? samples : [];
    }

    private Dictionary<string, List<MetricSample>> BuildSampleIndex()
    {
        var index = new Dictionary<string, List<MetricSample>>(StringComparer.Ordinal);
        foreach (var family in _families)
        {
            foreach (var sample in family.Samples)
            {
                if (!index.TryGetValue(sample.Name, out var list))
                {
                    list = [];
                    index.Add(sample.Name, list);
                }

                list.Add(sample);
            }
        }

        return index;
    }
}
