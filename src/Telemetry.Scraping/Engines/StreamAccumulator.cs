using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// Mutable per-stream state while a profile walks a payload. Only what a sample actually set is
/// emitted; sums across series of one stream key, mean for ratios.
/// </summary>
internal sealed class StreamAccumulator
{
    private readonly Dictionary<string, HistogramAccumulator> _histograms = new(StringComparer.Ordinal);
    private Dictionary<string, double>? _requests;
    private readonly List<string> _derived = [];
    private double _kvSum;
    private int _kvSamples;
    private double? _createdSeconds;

    public StreamAccumulator(string? model, IReadOnlyDictionary<string, string> labels)
    {
        Model = model;
        Labels = labels;
    }

    public string? Model { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public double? InputTokens { get; set; }

    public double? OutputTokens { get; set; }

    /// <summary>Substitute input-token total (e.g. a histogram <c>_sum</c>), used only when <see cref="InputTokens"/> stays null.</summary>
    public double? InputTokensSubstitute { get; set; }

    public double? OutputTokensSubstitute { get; set; }

    public double? Running { get; set; }

    public double? Waiting { get; set; }

    /// <summary>The engine process's start (<c>process_start_time_seconds</c>), shared by every stream of a payload.</summary>
    public double? ProcessStartSeconds { get; set; }

    public static double? Add(double? total, double value) => (total ?? 0) + value;

    /// <summary>A <c>_created</c> time of one of the stream's token counters; the earliest one marks this run.</summary>
    public void ObserveCreated(double seconds)
    {
        if (double.IsFinite(seconds) && seconds > 0)
        {
            _createdSeconds = Math.Min(_createdSeconds ?? double.MaxValue, seconds);
        }
    }

    /// <summary>Names a field filled from a documented substitute (see <see cref="StreamReading.Derived"/>).</summary>
    public void MarkDerived(string field)
    {
        if (!_derived.Contains(field))
        {
            _derived.Add(field);
        }
    }

    /// <summary>Marks the request family as present: every outcome key exists, at 0 until counted.</summary>
    public void AddRequests(string outcome, double value)
    {
        _requests ??= new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [RequestOutcomes.Success] = 0,
            [RequestOutcomes.Error] = 0,
            [RequestOutcomes.Aborted] = 0,
        };
        _requests[outcome] = _requests.GetValueOrDefault(outcome) + value;
    }

    /// <summary>For engines that count only some outcomes: adds this one without claiming zeros for the others.</summary>
    public void AddOutcome(string outcome, double value)
    {
        _requests ??= new Dictionary<string, double>(StringComparer.Ordinal);
        _requests[outcome] = _requests.GetValueOrDefault(outcome) + value;
    }

    public bool HasOutcome(string outcome) => _requests?.ContainsKey(outcome) == true;

    public void AddKvCacheUsage(double ratio)
    {
        _kvSum += ratio;
        _kvSamples++;
    }

    public HistogramAccumulator Histogram(string name)
    {
        if (!_histograms.TryGetValue(name, out var histogram))
        {
            histogram = new HistogramAccumulator();
            _histograms.Add(name, histogram);
        }

        return histogram;
    }

    public StreamReading Build(string? modelOverride)
    {
        List<string> derived = [.. _derived];
        var input = InputTokens;
        if (input is null && InputTokensSubstitute is not null)
        {
            input = InputTokensSubstitute;
            derived.Add("input_tokens");
        }

        var output = OutputTokens;
        if (output is null && OutputTokensSubstitute is not null)
        {
            output = OutputTokensSubstitute;
            derived.Add("output_tokens");
        }

        var histograms = new Dictionary<string, HistogramReading>(StringComparer.Ordinal);
        foreach (var (name, accumulator) in _histograms)
        {
            if (accumulator.Build() is { } reading)
            {
                histograms.Add(name, reading);
            }
        }

        return new StreamReading
        {
            Model = modelOverride ?? Model ?? "unknown",
            Labels = Labels,
            InputTokens = input,
            OutputTokens = output,
            Requests = _requests ?? new Dictionary<string, double>(),
            Running = Running,
            Waiting = Waiting,
            KvCacheUsageRatio = _kvSamples == 0 ? null : _kvSum / _kvSamples,
            Histograms = histograms,
            Derived = derived,
            StartedAtSeconds = ProcessStartSeconds ?? _createdSeconds,
        };
    }
}
