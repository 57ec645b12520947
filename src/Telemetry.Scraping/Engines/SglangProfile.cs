using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// SGLang (<c>--enable-metrics</c>): <c>sglang:</c> names, or <c>sglang_</c> as sgl-router and some
/// pipelines rewrite them (reference §3). One stream per <c>model_name</c> (<c>name</c> before
/// sglang#1853): token counters come from the tokenizer process, which has no rank labels, so data-
/// parallel ranks are not split into streams — their scheduler gauges are summed, and only tensor-,
/// pipeline- and expert-parallel rank 0 is read, since the other ranks report the same batch.
/// </summary>
public sealed class SglangProfile : IEngineProfile
{
    private static readonly string[] Prefixes = ["sglang:", "sglang_"];
    private static readonly string[] ModelLabels = ["model_name", "name"];
    private static readonly string[] DuplicateRankLabels = ["tp_rank", "pp_rank", "moe_ep_rank"];

    public string Engine => "sglang";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new MetricLookup(payload, Prefixes).HasAny(
            "prompt_tokens_total", "generation_tokens_total", "num_requests_total", "num_running_reqs", "num_queue_reqs");
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var m = new MetricLookup(payload, Prefixes);
        var streams = new StreamSet(ModelLabels, []);

        m.Each(streams, "prompt_tokens_total", (a, s) => a.InputTokens = StreamAccumulator.Add(a.InputTokens, s.Value));
        m.Each(streams, "generation_tokens_total", (a, s) => a.OutputTokens = StreamAccumulator.Add(a.OutputTokens, s.Value));

        // num_requests_total counts every finished request, aborted ones included; there is no error count.
        m.Each(streams, "num_requests_total", (a, s) => a.AddOutcome(RequestOutcomes.Success, s.Value));
        m.Each(streams, "num_aborted_requests_total", (a, s) =>
        {
            a.AddOutcome(RequestOutcomes.Aborted, s.Value);
            if (a.HasOutcome(RequestOutcomes.Success))
            {
                a.AddOutcome(RequestOutcomes.Success, -s.Value); // success = finished − aborted
                a.MarkDerived("requests");
            }
        });

        m.Each(streams, "num_running_reqs", (a, s) => { if (IsRankZero(s)) { a.Running = StreamAccumulator.Add(a.Running, s.Value); } });
        m.Each(streams, "num_queue_reqs", (a, s) => { if (IsRankZero(s)) { a.Waiting = StreamAccumulator.Add(a.Waiting, s.Value); } });
        // token_usage: used KV tokens / capacity, a 0–1 fraction.
        m.Each(streams, "token_usage", (a, s) => { if (IsRankZero(s)) { a.AddKvCacheUsage(s.Value); } });

        m.Histogram(streams, HistogramNames.Ttft, ["time_to_first_token_seconds"]);
        // inter_token_latency replaced time_per_output_token (sglang#3988, deleted in #4914).
        m.Histogram(streams, HistogramNames.Tpot, ["inter_token_latency_seconds", "time_per_output_token_seconds"]);
        m.Histogram(streams, HistogramNames.E2e, ["e2e_request_latency_seconds"]);
        m.Histogram(streams, HistogramNames.Queue, ["queue_time_seconds"]);

        m.Created(streams, "prompt_tokens", "generation_tokens");
        return new EngineReading(Engine, url, streams.Build(modelOverride, m.ProcessStartSeconds()));
    }

    private static bool IsRankZero(MetricSample s)
    {
        foreach (var label in DuplicateRankLabels)
        {
            if (s.GetLabel(label) is { } rank && rank != "0")
            {
                return false;
            }
        }

        return true;
    }
}
