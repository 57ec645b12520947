using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// llama.cpp <c>llama-server --metrics</c> (reference §4): counters, no labels, no model name (set
/// <c>Model</c>), no latency histograms, so no TTFT. Derived: <c>tpot_seconds</c> as a histogram
/// with only the +Inf bucket — count = <c>tokens_predicted_total</c>, sum =
/// <c>tokens_predicted_seconds_total</c> — whose mean is the decode time per generated token, summed
/// over slots. The windowed throughput gauges are ignored: every scrape resets them.
/// </summary>
public sealed class LlamaCppProfile : IEngineProfile
{
    private static readonly string[] Prefixes = ["llamacpp:", "llamacpp_"];

    public string Engine => "llamacpp";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new MetricLookup(payload, Prefixes).HasAny("prompt_tokens_total", "tokens_predicted_total", "requests_processing");
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var m = new MetricLookup(payload, Prefixes);
        var streams = new StreamSet([], []);

        m.Each(streams, "prompt_tokens_total", (a, s) => a.InputTokens = StreamAccumulator.Add(a.InputTokens, s.Value));
        m.Each(streams, "prompt_tokens_cached_total", (a, s) => a.InputTokens = StreamAccumulator.Add(a.InputTokens, s.Value));
        m.Each(streams, "tokens_predicted_total", (a, s) => a.OutputTokens = StreamAccumulator.Add(a.OutputTokens, s.Value));
        m.Each(streams, "requests_processing", (a, s) => a.Running = StreamAccumulator.Add(a.Running, s.Value));
        m.Each(streams, "requests_deferred", (a, s) => a.Waiting = StreamAccumulator.Add(a.Waiting, s.Value));

        var seconds = m.Samples("tokens_predicted_seconds_total");
        var tokens = m.Samples("tokens_predicted_total");
        if (seconds.Count > 0 && tokens.Count > 0)
        {
            MetricLookup.Each(streams, tokens, (a, s) => a.Histogram(HistogramNames.Tpot).AddCount(s.Value));
            MetricLookup.Each(streams, seconds, (a, s) =>
            {
                a.Histogram(HistogramNames.Tpot).AddSum(s.Value);
                a.MarkDerived(HistogramNames.Tpot);
            });
        }

        // The Process-Start-Time-Unix header is not a wall-clock epoch; resets show as counters going down.
        return new EngineReading(Engine, url, streams.Build(modelOverride));
    }
}
