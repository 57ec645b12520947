using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// Groups parsed lines into families. A sample joins the current family (the one the last
/// HELP/TYPE/sample touched) when its name is the family name or the family name plus a
/// histogram/summary/counter suffix; else an existing family of that exact (or suffix-stripped)
/// name; else a new untyped family named after the sample.
/// </summary>
internal sealed class PayloadBuilder : IDisposable
{
    // Longest first, so "_bucket" never half-matches; the set the reference §0.7 payloads need.
    private static readonly string[] SampleSuffixes = ["_created", "_bucket", "_total", "_count", "_info", "_sum"];

    private readonly List<MetricFamily> _families = [];
    private readonly Dictionary<string, MetricFamily> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MetricFamily>.AlternateLookup<ReadOnlySpan<char>> _byNameSpan;
    private readonly List<Label> _labels = [];
    private MetricFamily? _current;
    private int _sampleCount;

    public PayloadBuilder()
    {
        _byNameSpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        Strings = new StringPool(PrometheusTextParser.MaxLineBytes);
    }

    public StringPool Strings { get; }

    /// <summary>Labels of the sample being parsed; reused between samples.</summary>
    public List<Label> Labels => _labels;

    public string? DeclareType(string name, MetricType type)
    {
        if (_byName.TryGetValue(name, out MetricFamily? family))
        {
            if (family.TypeDeclared && family.Type != type)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"second TYPE line for '{name}' says {TypeName(type)}, the first said {TypeName(family.Type)}");
            }

            family.DeclareType(type);
        }
        else if (!TryCreate(name, type, typeDeclared: true, out family, out var reason))
        {
            return reason;
        }

        _current = family;
        return null;
    }

    public string? DeclareHelp(string name, string help)
    {
        if (!_byName.TryGetValue(name, out MetricFamily? family)
            && !TryCreate(name, MetricType.Unknown, typeDeclared: false, out family, out var reason))
        {
            return reason;
        }

        family.SetHelpIfMissing(help);
        _current = family;
        return null;
    }

    /// <summary>Adds a sample with the labels currently in <see cref="Labels"/>.</summary>
    public string? AddSample(string name, double value)
    {
        if (_sampleCount >= PrometheusTextParser.MaxSamples)
        {
            return string.Create(CultureInfo.InvariantCulture, $"more than {PrometheusTextParser.MaxSamples} samples");
        }

        var family = _current is not null && BelongsTo(name, _current.Name) ? _current : FindExisting(name);
        if (family is null && !TryCreate(name, MetricType.Unknown, typeDeclared: false, out family, out var reason))
        {
            return reason;
        }

        Label[] labels = _labels.Count == 0 ? [] : [.. _labels];
        family.Add(new MetricSample(name, labels, value));
        _sampleCount++;
        _current = family;
        return null;
    }

    public ParsedPayload Build() => new(_families, _byName, _sampleCount);

    public void Dispose() => Strings.Dispose();

    internal static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        MetricType.Summary => "summary",
        MetricType.Untyped => "untyped",
        MetricType.Info => "info",
        MetricType.StateSet => "stateset",
        MetricType.GaugeHistogram => "gaugehistogram",
        _ => "unknown",
    };

    private static bool BelongsTo(string sampleName, string familyName)
    {
        if (!sampleName.StartsWith(familyName, StringComparison.Ordinal))
        {
            return false;
        }

        if (sampleName.Length == familyName.Length)
        {
            return true;
        }

        var suffix = sampleName.AsSpan(familyName.Length);
        foreach (var candidate in SampleSuffixes)
        {
            if (suffix.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private MetricFamily? FindExisting(string name)
    {
        if (_byName.TryGetValue(name, out var family))
        {
            return family;
        }

        // A sample that arrives away from its TYPE line (non-contiguous output) still finds its family.
        foreach (var suffix in SampleSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal)
                && _byNameSpan.TryGetValue(name.AsSpan(0, name.Length - suffix.Length), out family)
                && family.TypeDeclared)
            {
                return family;
            }
        }

        return null;
    }

    private bool TryCreate(
        string name, MetricType type, bool typeDeclared, [NotNullWhen(true)] out MetricFamily? family, out string? reason)
    {
        if (_families.Count >= PrometheusTextParser.MaxFamilies)
        {
            family = null;
            reason = string.Create(CultureInfo.InvariantCulture, $"more than {PrometheusTextParser.MaxFamilies} metric families");
            return false;
        }

        family = new MetricFamily(name, type, typeDeclared);
        _families.Add(family);
        _byName.Add(name, family);
        reason = null;
        return true;
    }
}
