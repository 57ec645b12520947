using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// vLLM (V1, and V0 where names match) from its OpenAI server's <c>/metrics</c>: one stream per
/// <c>model_name</c> and data-parallel <c>engine</c>. Accepts <c>vllm:</c> and <c>vllm_</c> prefixes and
/// the pre-rename names (reference inference-engines.md §1.4); the Triton vLLM backend's <c>model</c>
/// label too. Does not read LoRA, spec-decode or cache-hit metrics.
/// </summary>
public sealed class VllmProfile : IEngineProfile
{
    private static readonly string[] Prefixes = ["vllm:", "vllm_"];
    private static readonly string[] ModelLabels = ["model_name", "model"];
    private static readonly string[] StreamLabels = ["engine"];

    public string Engine => "vllm";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new MetricLookup(payload, Prefixes).HasAny(
            "prompt_tokens_total", "generation_tokens_total", "num_requests_running", "num_requests_waiting");
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var m = new MetricLookup(payload, Prefixes);
        var streams = new StreamSet(ModelLabels, StreamLabels);

        m.Each(streams, "prompt_tokens_total", (a, s) => a.InputTokens = StreamAccumulator.Add(a.InputTokens, s.Value));
        m.Each(streams, "generation_tokens_total", (a, s) => a.OutputTokens = StreamAccumulator.Add(a.OutputTokens, s.Value));

        // Substitutes, used only for streams without the counters (never seen in real vLLM, kept for odd builds).
        m.Each(streams, "request_prompt_tokens_sum", (a, s) => a.InputTokensSubstitute = StreamAccumulator.Add(a.InputTokensSubstitute, s.Value));
        m.Each(streams, "request_generation_tokens_sum", (a, s) => a.OutputTokensSubstitute = StreamAccumulator.Add(a.OutputTokensSubstitute, s.Value));

        m.Each(streams, "request_success_total", (a, s) => a.AddRequests(Outcome(s.GetLabel("finished_reason")), s.Value));
        m.Each(streams, "num_requests_running", (a, s) => a.Running = StreamAccumulator.Add(a.Running, s.Value));
        m.Each(streams, "num_requests_waiting", (a, s) => a.Waiting = StreamAccumulator.Add(a.Waiting, s.Value));

        // Already a 0–1 fraction despite "perc" (its HELP: "1 means 100 percent usage"); renamed in 0.9, old name removed in 0.11.
        MetricLookup.Each(streams, m.FirstPresent("kv_cache_usage_perc", "gpu_cache_usage_perc"), (a, s) => a.AddKvCacheUsage(s.Value));

        m.Histogram(streams, HistogramNames.Ttft, ["time_to_first_token_seconds"]);
        // inter_token_latency replaced time_per_output_token (deprecated 0.11, removed in 0.13).
        m.Histogram(streams, HistogramNames.Tpot, ["inter_token_latency_seconds", "time_per_output_token_seconds"]);
        m.Histogram(streams, HistogramNames.E2e, ["e2e_request_latency_seconds"]);
        m.Histogram(streams, HistogramNames.Queue, ["request_queue_time_seconds"]);

        m.Created(streams, "prompt_tokens", "generation_tokens");
        return new EngineReading(Engine, url, streams.Build(modelOverride, m.ProcessStartSeconds()));
    }

    /// <summary>vLLM's <c>finished_reason</c>: stop and length finish normally, abort and error do not.</summary>
    private static string Outcome(string? finishedReason) => finishedReason switch
    {
        "abort" => RequestOutcomes.Aborted,
        "error" => RequestOutcomes.Error,
        _ => RequestOutcomes.Success, // stop, length, and any newer normal-completion reason.
    };
}
