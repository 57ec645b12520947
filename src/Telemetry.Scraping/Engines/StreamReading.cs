namespace Telemetry.Scraping.Engines;

/// <summary>
/// One model (and data-parallel engine) an endpoint reports, normalized across engines. Values are
/// cumulative as the engine reports them; absent ones are null or missing from the dictionaries,
/// never invented. <see cref="Derived"/> names fields filled from a documented substitute.
/// </summary>
public sealed record StreamReading
{
    public required string Model { get; init; }

    /// <summary>Engine labels that tell streams of one model apart, e.g. <c>{"engine":"0"}</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyStrings;

    public double? InputTokens { get; init; }

    public double? OutputTokens { get; init; }

    /// <summary>Finished requests by outcome: keys from <see cref="RequestOutcomes"/>.</summary>
    public IReadOnlyDictionary<string, double> Requests { get; init; } = EmptyNumbers;

    public double? Running { get; init; }

    public double? Waiting { get; init; }

    /// <summary>KV-cache usage as a 0–1 fraction.</summary>
    public double? KvCacheUsageRatio { get; init; }

    /// <summary>Latency histograms: keys from <see cref="HistogramNames"/>.</summary>
    public IReadOnlyDictionary<string, HistogramReading> Histograms { get; init; } = EmptyHistograms;

    /// <summary>Fields (e.g. <c>input_tokens</c>) filled from a substitute because the engine has no direct metric.</summary>
    public IReadOnlyList<string> Derived { get; init; } = [];

    /// <summary>
    /// When this run of the engine began (Unix s): <c>process_start_time_seconds</c>, else the earliest
    /// <c>_created</c> of the stream's token counters; null when the payload says neither. A change means
    /// the engine restarted, so its counters start a new epoch even if they did not go down.
    /// Not part of the <c>inspect</c> JSON.
    /// </summary>
    public double? StartedAtSeconds { get; init; }

    private static readonly IReadOnlyDictionary<string, string> EmptyStrings = new Dictionary<string, string>();
    private static readonly IReadOnlyDictionary<string, double> EmptyNumbers = new Dictionary<string, double>();
    private static readonly IReadOnlyDictionary<string, HistogramReading> EmptyHistograms = new Dictionary<string, HistogramReading>();
}

/// <summary>Keys of <see cref="StreamReading.Requests"/>.</summary>
public static class RequestOutcomes
{
    public const string Success = "success";
    public const string Error = "error";
    public const string Aborted = "aborted";
}

/// <summary>Keys of <see cref="StreamReading.Histograms"/>, in the order <c>inspect</c> prints them.</summary>
public static class HistogramNames
{
    public const string Ttft = "ttft_seconds";
    public const string Tpot = "tpot_seconds";
    public const string E2e = "e2e_seconds";
    public const string Queue = "queue_seconds";
}
