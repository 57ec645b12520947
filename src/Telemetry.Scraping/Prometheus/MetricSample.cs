using System.Globalization;

namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// One sample line: its full name (suffix included, e.g. <c>foo_bucket</c>), labels in payload
/// order and value. Timestamps and exemplars are not kept.
/// </summary>
public sealed class MetricSample
{
    private readonly Label[] _labels;

    internal MetricSample(string name, Label[] labels, double value)
    {
        Name = name;
        _labels = labels;
        Value = value;
    }

    public string Name { get; }

    public IReadOnlyList<Label> Labels => _labels;

    public double Value { get; }

    /// <summary>The value of label <paramref name="name"/>, or null when the sample has no such label.</summary>
    public string? GetLabel(string name)
    {
        foreach (var label in _labels)
        {
            if (string.Equals(label.Name, name, StringComparison.Ordinal))
            {
                return label.Value;
            }
        }

        return null;
    }

    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{Name}{{{string.Join(',', _labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}} {Value}");
}
