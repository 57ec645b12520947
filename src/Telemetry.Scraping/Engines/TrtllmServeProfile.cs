using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// <c>trtllm-serve</c> at <c>/prometheus/metrics</c> (reference §5): <c>trtllm_</c> names (<c>trtllm:</c>
/// in Dynamo 0.7's docs), label <c>model_name</c>; request outcomes and four latency histograms with
/// vLLM's bucket sets. It has no token counters and no substitute, so tokens stay absent.
/// </summary>
public sealed class TrtllmServeProfile : IEngineProfile
{
    private static readonly string[] Prefixes = ["trtllm_", "trtllm:"];
    private static readonly string[] ModelLabels = ["model_name"];

    public string Engine => "trtllm";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new MetricLookup(payload, Prefixes).HasAny(
            "request_success_total", "time_to_first_token_seconds_count", "e2e_request_latency_seconds_count");
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var m = new MetricLookup(payload, Prefixes);
        var streams = new StreamSet(ModelLabels, []);

        m.Each(streams, "request_success_total", (a, s) => a.AddRequests(
            s.GetLabel("finished_reason") switch
            {
                "abort" or "cancelled" => RequestOutcomes.Aborted,
                "error" => RequestOutcomes.Error,
                _ => RequestOutcomes.Success,
            },
            s.Value));

        m.Histogram(streams, HistogramNames.Ttft, ["time_to_first_token_seconds"]);
        m.Histogram(streams, HistogramNames.Tpot, ["time_per_output_token_seconds"]);
        m.Histogram(streams, HistogramNames.E2e, ["e2e_request_latency_seconds"]);
        m.Histogram(streams, HistogramNames.Queue, ["request_queue_time_seconds"]);
        return new EngineReading(Engine, url, streams.Build(modelOverride, m.ProcessStartSeconds()));
    }
}
