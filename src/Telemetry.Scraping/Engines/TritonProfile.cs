using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// NVIDIA Triton core (<c>nv_inference_*</c>) with the TensorRT-LLM backend (<c>nv_trt_llm_*</c>,
/// <c>nv_llm_*_token_len</c>), reference §5. One stream per <c>model</c> and <c>version</c> (an
/// ensemble shows each step as its own stream). Units converted once, here: the cumulative µs
/// counters become mean-only <c>e2e_seconds</c>/<c>queue_seconds</c> histograms (count = successful
/// requests, whose durations Triton accumulates; marked derived), and the opt-in
/// <c>nv_inference_first_response_histogram_ms</c> becomes <c>ttft_seconds</c>. Token totals are the
/// <c>_sum</c> of the TRT-LLM token-length histograms (derived). <c>nv_gpu_power_usage</c> and
/// <c>nv_energy_consumption</c> are kept as <see cref="EngineReading.GpuPower"/>, a cross-check only.
/// </summary>
public sealed class TritonProfile : IEngineProfile
{
    private const double SecondsPerMicrosecond = 1e-6;
    private const double SecondsPerMillisecond = 1e-3;
    private static readonly string[] Prefixes = ["nv_"];
    private static readonly string[] ModelLabels = ["model"];
    private static readonly string[] StreamLabels = ["version"];

    public string Engine => "triton";

    public bool Recognizes(ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new MetricLookup(payload, Prefixes).HasAny(
            "inference_request_success", "inference_count", "trt_llm_request_metrics", "llm_output_token_len_count");
    }

    public EngineReading Read(ParsedPayload payload, string url, string? modelOverride)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var m = new MetricLookup(payload, Prefixes);
        var streams = new StreamSet(ModelLabels, StreamLabels);

        m.Each(streams, "llm_input_token_len_sum", (a, s) => a.InputTokensSubstitute = StreamAccumulator.Add(a.InputTokensSubstitute, s.Value));
        m.Each(streams, "llm_output_token_len_sum", (a, s) => a.OutputTokensSubstitute = StreamAccumulator.Add(a.OutputTokensSubstitute, s.Value));

        m.Each(streams, "inference_request_success", (a, s) => a.AddRequests(RequestOutcomes.Success, s.Value));
        m.Each(streams, "inference_request_failure", (a, s) =>
            a.AddRequests(s.GetLabel("reason") == "CANCELED" ? RequestOutcomes.Aborted : RequestOutcomes.Error, s.Value));

        m.Each(streams, "trt_llm_request_metrics", (a, s) =>
        {
            switch (s.GetLabel("request_type"))
            {
                case "active":
                    a.Running = StreamAccumulator.Add(a.Running, s.Value);
                    break;
                case "waiting":
                    a.Waiting = StreamAccumulator.Add(a.Waiting, s.Value);
                    break;
            }
        });
        if (m.Samples("trt_llm_request_metrics").Count == 0)
        {
            // Triton's own queue, for backends without the TRT-LLM request gauges.
            m.Each(streams, "inference_pending_request_count", (a, s) => a.Waiting = StreamAccumulator.Add(a.Waiting, s.Value));
        }

        m.Each(streams, "trt_llm_kv_cache_block_metrics", (a, s) =>
        {
            if (s.GetLabel("kv_cache_block_type") == "fraction")
            {
                a.AddKvCacheUsage(s.Value);
            }
        });

        m.Histogram(streams, HistogramNames.Ttft, ["inference_first_response_histogram_ms"], SecondsPerMillisecond);
        MeanOnly(m, streams, HistogramNames.E2e, "inference_request_duration_us");
        MeanOnly(m, streams, HistogramNames.Queue, "inference_queue_duration_us");

        return new EngineReading(Engine, url, streams.Build(modelOverride)) { GpuPower = GpuPower(m) };
    }

    /// <summary>A cumulative µs counter over successful requests as a histogram with only the +Inf bucket.</summary>
    private static void MeanOnly(MetricLookup m, StreamSet streams, string key, string microsecondsCounter)
    {
        var durations = m.Samples(microsecondsCounter);
        var successes = m.Samples("inference_request_success");
        if (durations.Count == 0 || successes.Count == 0)
        {
            return;
        }

        MetricLookup.Each(streams, successes, (a, s) => a.Histogram(key).AddCount(s.Value));
        MetricLookup.Each(streams, durations, (a, s) =>
        {
            a.Histogram(key).AddSum(s.Value * SecondsPerMicrosecond);
            a.MarkDerived(key);
        });
    }

    private static List<EngineGpuPower> GpuPower(MetricLookup m)
    {
        var byGpu = new Dictionary<string, (double? Watts, double? Joules)>(StringComparer.Ordinal);
        List<string> order = [];
        foreach (var s in m.Samples("gpu_power_usage"))
        {
            if (s.GetLabel("gpu_uuid") is { } uuid)
            {
                if (!byGpu.ContainsKey(uuid)) { order.Add(uuid); }
                byGpu[uuid] = (s.Value, byGpu.GetValueOrDefault(uuid).Joules);
            }
        }

        foreach (var s in m.Samples("energy_consumption"))
        {
            if (s.GetLabel("gpu_uuid") is { } uuid)
            {
                if (!byGpu.ContainsKey(uuid)) { order.Add(uuid); }
                byGpu[uuid] = (byGpu.GetValueOrDefault(uuid).Watts, s.Value);
            }
        }

        return [.. order.Select(u => new EngineGpuPower(u, byGpu[u].Watts, byGpu[u].Joules))];
    }
}
