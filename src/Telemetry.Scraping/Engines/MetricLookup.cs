using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// Looks samples up by name under an engine's alternative prefixes (e.g. <c>sglang:</c>, then
/// <c>sglang_</c> as sgl-router rewrites it), and feeds them into a <see cref="StreamSet"/>.
/// Shared by every profile so they differ only in names, not in mechanics.
/// </summary>
internal readonly struct MetricLookup
{
    private readonly ParsedPayload _payload;
    private readonly string[] _prefixes;

    public MetricLookup(ParsedPayload payload, string[] prefixes)
    {
        _payload = payload;
        _prefixes = prefixes;
    }

    /// <summary>Samples named prefix + <paramref name="name"/> under the first prefix that has any.</summary>
    public IReadOnlyList<MetricSample> Samples(string name)
    {
        foreach (var prefix in _prefixes)
        {
            var samples = _payload.SamplesNamed(prefix + name);
            if (samples.Count > 0)
            {
                return samples;
            }
        }

        return [];
    }

    /// <summary>The samples of the first name that has any: current names first, then renamed or removed ones.</summary>
    public IReadOnlyList<MetricSample> FirstPresent(params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            var samples = Samples(name);
            if (samples.Count > 0)
            {
                return samples;
            }
        }

        return [];
    }

    public bool HasAny(params ReadOnlySpan<string> names) => FirstPresent(names).Count > 0;

    /// <summary>Applies <paramref name="add"/> to each sample named <paramref name="name"/>, in its stream.</summary>
    public void Each(StreamSet streams, string name, Action<StreamAccumulator, MetricSample> add) => Each(streams, Samples(name), add);

    /// <summary>Applies <paramref name="add"/> to each sample's stream.</summary>
    public static void Each(StreamSet streams, IReadOnlyList<MetricSample> samples, Action<StreamAccumulator, MetricSample> add)
    {
        foreach (var s in samples)
        {
            add(streams.For(s), s);
        }
    }

    /// <summary>
    /// Reads the first histogram (or summary: count and sum only) of <paramref name="names"/> present
    /// into <paramref name="key"/>; bounds and sum multiplied by <paramref name="scale"/>. False when none is.
    /// </summary>
    public bool Histogram(StreamSet streams, string key, ReadOnlySpan<string> names, double scale = 1)
    {
        foreach (var name in names)
        {
            var buckets = Samples(name + "_bucket");
            var counts = Samples(name + "_count");
            var sums = Samples(name + "_sum");
            if (buckets.Count == 0 && counts.Count == 0 && sums.Count == 0)
            {
                continue;
            }

            foreach (var s in buckets)
            {
                Open(streams, s, key, scale).AddBucket(s);
            }

            foreach (var s in counts)
            {
                Open(streams, s, key, scale).AddCount(s.Value);
            }

            foreach (var s in sums)
            {
                Open(streams, s, key, scale).AddSum(s.Value);
            }

            return true;
        }

        return false;
    }

    /// <summary>The <c>_created</c> times of the named counters mark when each stream's run began.</summary>
    public void Created(StreamSet streams, params ReadOnlySpan<string> counterNames)
    {
        foreach (var name in counterNames)
        {
            foreach (var s in Samples(name + "_created"))
            {
                streams.For(s).ObserveCreated(s.Value);
            }
        }
    }

    /// <summary><c>process_start_time_seconds</c> (prometheus_client's process collector), unprefixed and unlabelled.</summary>
    public double? ProcessStartSeconds()
    {
        foreach (var s in _payload.SamplesNamed("process_start_time_seconds"))
        {
            if (s.Labels.Count == 0 && double.IsFinite(s.Value) && s.Value > 0)
            {
                return s.Value;
            }
        }

        return null;
    }

    private static HistogramAccumulator Open(StreamSet streams, MetricSample s, string key, double scale)
    {
        var histogram = streams.For(s).Histogram(key);
        histogram.Scale = scale;
        return histogram;
    }
}
