using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// NVIDIA Dynamo's frontend (<c>dynamo_frontend_*</c>, reference §6), one stream per <c>model</c>
/// (lower-cased by Dynamo on request series). Output tokens are a real counter; input tokens are the
/// <c>_sum</c> of <c>input_sequence_tokens</c> (derived). No queue histogram exists. A Dynamo
/// <em>worker</em> page carries the engine's own names and is read by that engine's profile.
/// </summary>
public sealed class DynamoFrontendProfile : IEngineProfile
{
    private static readonly string[] Prefixes = ["dynamo_frontend_"];
    private static readonly string[] ModelLabels = ["model"];

    public string Engine => "dynamo";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new MetricLookup(payload, Prefixes).HasAny(
            "requests_total", "output_tokens_total", "inflight_requests", "time_to_first_token_seconds_count");
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var m = new MetricLookup(payload, Prefixes);
        var streams = new StreamSet(ModelLabels, []);

        m.Each(streams, "output_tokens_total", (a, s) => a.OutputTokens = StreamAccumulator.Add(a.OutputTokens, s.Value));
        m.Each(streams, "output_sequence_tokens_sum", (a, s) => a.OutputTokensSubstitute = StreamAccumulator.Add(a.OutputTokensSubstitute, s.Value));
        m.Each(streams, "input_sequence_tokens_sum", (a, s) => a.InputTokensSubstitute = StreamAccumulator.Add(a.InputTokensSubstitute, s.Value));

        m.Each(streams, "requests_total", (a, s) => a.AddRequests(
            s.GetLabel("status") switch
            {
                "success" => RequestOutcomes.Success,
                _ when s.GetLabel("error_type") == "cancelled" => RequestOutcomes.Aborted,
                _ => RequestOutcomes.Error,
            },
            s.Value));

        m.Each(streams, "inflight_requests", (a, s) => a.Running = StreamAccumulator.Add(a.Running, s.Value));
        m.Each(streams, "queued_requests", (a, s) => a.Waiting = StreamAccumulator.Add(a.Waiting, s.Value));

        m.Histogram(streams, HistogramNames.Ttft, ["time_to_first_token_seconds"]);
        m.Histogram(streams, HistogramNames.Tpot, ["inter_token_latency_seconds"]);
        m.Histogram(streams, HistogramNames.E2e, ["request_duration_seconds"]);

        m.Created(streams, "output_tokens");
        return new EngineReading(Engine, url, streams.Build(modelOverride, m.ProcessStartSeconds()));
    }
}
