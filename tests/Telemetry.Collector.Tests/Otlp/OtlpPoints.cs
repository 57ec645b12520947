using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;

namespace Telemetry.Collector.Tests.Otlp;

/// <summary>Reads decoded OTLP requests: metrics by name, data points with their attributes as a string map.</summary>
internal static class OtlpPoints
{
    public static Metric Metric(ExportMetricsServiceRequest request, string name)
    {
        var found = request.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics).Where(m => m.Name == name).ToList();
        Assert.True(found.Count == 1, $"expected one metric '{name}', found {found.Count}; pushed: {string.Join(", ", Names(request))}");
        return found[0];
    }

    public static IEnumerable<string> Names(ExportMetricsServiceRequest request) =>
        request.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics).Select(m => m.Name);

    public static IReadOnlyList<(Dictionary<string, string> Attributes, double Value)> Points(Metric m)
    {
        var points = m.DataCase switch
        {
            OpenTelemetry.Proto.Metrics.V1.Metric.DataOneofCase.Gauge => m.Gauge.DataPoints,
            OpenTelemetry.Proto.Metrics.V1.Metric.DataOneofCase.Sum => m.Sum.DataPoints,
            _ => throw new InvalidOperationException($"{m.Name} is a {m.DataCase}, not a gauge or sum"),
        };
        return [.. points.Select(p => (Attributes(p.Attributes), p.ValueCase == NumberDataPoint.ValueOneofCase.AsDouble ? p.AsDouble : p.AsInt))];
    }

    public static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes) =>
        attributes.ToDictionary(a => a.Key, a => a.Value.StringValue, StringComparer.Ordinal);

    /// <summary>The single point whose attributes equal <paramref name="expected"/> exactly.</summary>
    public static double Value(Metric m, IReadOnlyDictionary<string, string> expected)
    {
        var matches = Points(m).Where(p => p.Attributes.Count == expected.Count && expected.All(e => p.Attributes.TryGetValue(e.Key, out var v) && v == e.Value)).ToList();
        Assert.True(matches.Count == 1, $"{m.Name}: {matches.Count} points with attributes {{{string.Join(",", expected.Select(e => $"{e.Key}={e.Value}"))}}}");
        return matches[0].Value;
    }
}
