using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// HuggingFace TGI router <c>/metrics</c> (reference §2): no labels and no model name (set
/// <c>Model</c>), counters without <c>_total</c>, and no token counters — token totals are the
/// <c>_sum</c> of the request length histograms, marked <c>derived</c> (input length is recorded at
/// validation, so it includes requests that later fail). No TTFT exists; <c>tpot_seconds</c> is
/// <c>tgi_request_mean_time_per_token_duration</c>, which includes prefill, so it is marked derived too.
/// </summary>
public sealed class TgiProfile : IEngineProfile
{
    private static readonly string[] Prefixes = ["tgi_"];

    public string Engine => "tgi";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new MetricLookup(payload, Prefixes).HasAny(
            "request_count", "request_success", "request_input_length_count", "request_generated_tokens_count", "queue_size", "batch_current_size");
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var m = new MetricLookup(payload, Prefixes);
        var streams = new StreamSet([], []);

        m.Each(streams, "request_input_length_sum", (a, s) => a.InputTokensSubstitute = StreamAccumulator.Add(a.InputTokensSubstitute, s.Value));
        m.Each(streams, "request_generated_tokens_sum", (a, s) => a.OutputTokensSubstitute = StreamAccumulator.Add(a.OutputTokensSubstitute, s.Value));

        m.Each(streams, "request_success", (a, s) => a.AddOutcome(RequestOutcomes.Success, s.Value));
        // err = overloaded|validation|template|incomplete|dropped|generation: all failures; TGI has no separate abort count.
        m.Each(streams, "request_failure", (a, s) => a.AddOutcome(RequestOutcomes.Error, s.Value));

        m.Each(streams, "batch_current_size", (a, s) => a.Running = StreamAccumulator.Add(a.Running, s.Value));
        m.Each(streams, "queue_size", (a, s) => a.Waiting = StreamAccumulator.Add(a.Waiting, s.Value));

        if (m.Histogram(streams, HistogramNames.Tpot, ["request_mean_time_per_token_duration"]))
        {
            foreach (var stream in streams.All)
            {
                stream.MarkDerived(HistogramNames.Tpot);
            }
        }

        m.Histogram(streams, HistogramNames.E2e, ["request_duration"]);
        m.Histogram(streams, HistogramNames.Queue, ["request_queue_duration"]);
        return new EngineReading(Engine, url, streams.Build(modelOverride));
    }
}
