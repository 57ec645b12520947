using System.Text;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// Splits samples into streams by model label and the engine's stream labels (e.g. vLLM's
/// data-parallel <c>engine</c>), in order of first appearance. Shared by every profile.
/// </summary>
internal sealed class StreamSet
{
    private readonly IReadOnlyList<string> _modelLabels;
    private readonly IReadOnlyList<string> _streamLabels;
    private readonly Dictionary<string, StreamAccumulator> _byKey = new(StringComparer.Ordinal);
    private readonly List<StreamAccumulator> _streams = [];
    private readonly StringBuilder _key = new();

    /// <param name="modelLabels">Labels naming the model, first present wins (e.g. <c>model_name</c>, <c>model</c>).</param>
    /// <param name="streamLabels">Further labels that make a separate stream (e.g. <c>engine</c>).</param>
    public StreamSet(IReadOnlyList<string> modelLabels, IReadOnlyList<string> streamLabels)
    {
        _modelLabels = modelLabels;
        _streamLabels = streamLabels;
    }

    public StreamAccumulator For(MetricSample sample)
    {
        string? model = null;
        foreach (var label in _modelLabels)
        {
            model = sample.GetLabel(label);
            if (model is not null)
            {
                break;
            }
        }

        _key.Clear().Append(model is null ? '\u0001' : '\u0002').Append(model);
        foreach (var label in _streamLabels)
        {
            var value = sample.GetLabel(label);
            _key.Append('\0').Append(value is null ? '\u0001' : '\u0002').Append(value);
        }

        var key = _key.ToString();
        if (!_byKey.TryGetValue(key, out var stream))
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var label in _streamLabels)
            {
                if (sample.GetLabel(label) is { } value)
                {
                    labels[label] = value;
                }
            }

            stream = new StreamAccumulator(model, labels);
            _byKey.Add(key, stream);
            _streams.Add(stream);
        }

        return stream;
    }

    /// <summary>The streams opened so far, in order of first appearance.</summary>
    public IReadOnlyList<StreamAccumulator> All => _streams;

    /// <summary>True when no sample opened a stream yet.</summary>
    public bool IsEmpty => _streams.Count == 0;

    /// <param name="modelOverride">Replaces every stream's model name (configuration's <c>Model</c>).</param>
    /// <param name="processStartSeconds">The engine process's start, which marks every stream's run.</param>
    public IReadOnlyList<StreamReading> Build(string? modelOverride, double? processStartSeconds = null)
    {
        var readings = new StreamReading[_streams.Count];
        for (var i = 0; i < readings.Length; i++)
        {
            _streams[i].ProcessStartSeconds = processStartSeconds;
            readings[i] = _streams[i].Build(modelOverride);
        }

        return readings;
    }
}
