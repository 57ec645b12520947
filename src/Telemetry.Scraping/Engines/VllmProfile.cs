using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// vLLM (V1, and V0 where names match) from its OpenAI server's <c>/metrics</c>: one stream per
/// <c>model_name</c> and data-parallel <c>engine</c>. Accepts <c>vllm:</c> and <c>vllm_</c> prefixes and
/// the pre-rename names (reference inference-engines.md §1.4). Does not read LoRA, spec-decode or cache-hit metrics.
/// </summary>
public sealed class VllmProfile : IEngineProfile
{
    private static readonly string[] Prefixes = ["vllm:", "vllm_"];
    private static readonly string[] ModelLabels = ["model_name", "model"];
    private static readonly string[] StreamLabels = ["engine"];
    private static readonly string[] RecognizedBy =
        ["prompt_tokens_total", "generation_tokens_total", "num_requests_running", "num_requests_waiting"];

    // Ordered alternatives: the current name first, then the removed one (§1.4).
    private static readonly (string Key, string[] Names)[] HistogramFamilies =
    [
        (HistogramNames.Ttft, ["time_to_first_token_seconds"]),
        (HistogramNames.Tpot, ["inter_token_latency_seconds", "time_per_output_token_seconds"]),
        (HistogramNames.E2e, ["e2e_request_latency_seconds"]),
        (HistogramNames.Queue, ["request_queue_time_seconds"]),
    ];

    public string Engine => "vllm";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        foreach (var name in RecognizedBy)
        {
            if (Samples(payload, name).Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var streams = new StreamSet(ModelLabels, StreamLabels);

        foreach (var s in Samples(payload, "prompt_tokens_total"))
        {
            var stream = streams.For(s);
            stream.InputTokens = StreamAccumulator.Add(stream.InputTokens, s.Value);
        }

        foreach (var s in Samples(payload, "generation_tokens_total"))
        {
            var stream = streams.For(s);
            stream.OutputTokens = StreamAccumulator.Add(stream.OutputTokens, s.Value);
        }

        // Substitutes, used only for streams without the counters (never seen in real vLLM, kept for odd builds).
        foreach (var s in Samples(payload, "request_prompt_tokens_sum"))
        {
            var stream = streams.For(s);
            stream.InputTokensSubstitute = StreamAccumulator.Add(stream.InputTokensSubstitute, s.Value);
        }

        foreach (var s in Samples(payload, "request_generation_tokens_sum"))
        {
            var stream = streams.For(s);
            stream.OutputTokensSubstitute = StreamAccumulator.Add(stream.OutputTokensSubstitute, s.Value);
        }

        foreach (var s in Samples(payload, "request_success_total"))
        {
            streams.For(s).AddRequests(Outcome(s.GetLabel("finished_reason")), s.Value);
        }

        foreach (var s in Samples(payload, "num_requests_running"))
        {
            var stream = streams.For(s);
            stream.Running = StreamAccumulator.Add(stream.Running, s.Value);
        }

        foreach (var s in Samples(payload, "num_requests_waiting"))
        {
            var stream = streams.For(s);
            stream.Waiting = StreamAccumulator.Add(stream.Waiting, s.Value);
        }

        // Already a 0–1 fraction despite "perc" (its HELP: "1 means 100 percent usage").
        foreach (var s in FirstPresent(payload, "kv_cache_usage_perc", "gpu_cache_usage_perc"))
        {
            streams.For(s).AddKvCacheUsage(s.Value);
        }

        foreach (var (key, names) in HistogramFamilies)
        {
            ReadHistogram(payload, streams, key, names);
        }

        return new EngineReading(Engine, url, streams.Build(modelOverride));
    }

    /// <summary>vLLM's <c>finished_reason</c>: stop and length finish normally, abort and error do not.</summary>
    private static string Outcome(string? finishedReason) => finishedReason switch
    {
        "abort" => RequestOutcomes.Aborted,
        "error" => RequestOutcomes.Error,
        _ => RequestOutcomes.Success, // stop, length, and any newer normal-completion reason.
    };

    private static void ReadHistogram(ParsedPayload payload, StreamSet streams, string key, string[] names)
    {
        foreach (var name in names)
        {
            var buckets = Samples(payload, name + "_bucket");
            var counts = Samples(payload, name + "_count");
            var sums = Samples(payload, name + "_sum");
            if (buckets.Count == 0 && counts.Count == 0 && sums.Count == 0)
            {
                continue;
            }

            foreach (var s in buckets)
            {
                streams.For(s).Histogram(key).AddBucket(s);
            }

            foreach (var s in counts)
            {
                streams.For(s).Histogram(key).AddCount(s.Value);
            }

            foreach (var s in sums)
            {
                streams.For(s).Histogram(key).AddSum(s.Value);
            }

            return;
        }
    }

    private static IReadOnlyList<MetricSample> FirstPresent(ParsedPayload payload, string current, string old)
    {
        var samples = Samples(payload, current);
        return samples.Count > 0 ? samples : Samples(payload, old);
    }

    /// <summary>Samples named <c>vllm:</c>+<paramref name="name"/>, else <c>vllm_</c>+<paramref name="name"/>.</summary>
    private static IReadOnlyList<MetricSample> Samples(ParsedPayload payload, string name)
    {
        foreach (var prefix in Prefixes)
        {
            var samples = payload.SamplesNamed(prefix + name);
            if (samples.Count > 0)
            {
                return samples;
            }
        }

        return [];
    }
}
