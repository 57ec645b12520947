using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class TritonProfileTests
{
    private const string Url = "http://127.0.0.1:8002/metrics";
    private readonly TritonProfile _profile = new();

    [Fact]
    public void Reads_the_real_triton_core_payload()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Triton));
        Assert.True(_profile.Recognizes(payload));
        var reading = _profile.Read(payload, Url, null);
        var s = Assert.Single(reading.Streams);

        Assert.Equal("tensorrt_llm", s.Model);
        Assert.Equal("1", s.Labels["version"]);
        Assert.Null(s.InputTokens);  // Triton core has no token metrics
        Assert.Null(s.OutputTokens);
        Assert.Equal((0.0, 0.0, 0.0), (s.Requests[RequestOutcomes.Success], s.Requests[RequestOutcomes.Error], s.Requests[RequestOutcomes.Aborted]));
        Assert.Equal(0, s.Waiting);
        Assert.False(s.Histograms.ContainsKey(HistogramNames.Ttft)); // opt-in only
        Assert.Equal([HistogramNames.E2e, HistogramNames.Queue], s.Derived);
        Assert.Empty(reading.GpuPower);
    }

    [Fact]
    public void Microsecond_counters_become_mean_only_seconds_histograms()
    {
        var s = Assert.Single(_profile.Read(Fixtures.Payload("triton-trtllm-backend.prom"), Url, null).Streams);
        var e2e = s.Histograms[HistogramNames.E2e];
        Assert.Empty(e2e.UpperBounds);
        Assert.Equal(20, e2e.Count);
        Assert.Equal(30, e2e.Sum, 9);     // 30,000,000 µs
        Assert.Equal(0.5, s.Histograms[HistogramNames.Queue].Sum, 9);
    }

    [Fact]
    public void Trtllm_backend_tokens_gauges_and_millisecond_first_response_histogram()
    {
        var s = Assert.Single(_profile.Read(Fixtures.Payload("triton-trtllm-backend.prom"), Url, null).Streams);
        Assert.Equal(960, s.InputTokens);
        Assert.Equal(4000, s.OutputTokens);
        Assert.Equal([HistogramNames.E2e, HistogramNames.Queue, "input_tokens", "output_tokens"], s.Derived);
        Assert.Equal(20, s.Requests[RequestOutcomes.Success]);
        Assert.Equal(1, s.Requests[RequestOutcomes.Error]);   // REJECTED
        Assert.Equal(2, s.Requests[RequestOutcomes.Aborted]); // CANCELED
        Assert.Equal(3, s.Running);  // request_type="active"
        Assert.Equal(2, s.Waiting);  // TRT-LLM's waiting wins over Triton's pending count (7)
        Assert.Equal(0.25, s.KvCacheUsageRatio);

        var ttft = s.Histograms[HistogramNames.Ttft];
        Assert.Equal([0.1, 0.5, 2, 5], ttft.UpperBounds);
        Assert.Equal([4.0, 15, 20, 20], ttft.CumulativeCounts);
        Assert.Equal(4.5, ttft.Sum, 9);
    }

    [Fact]
    public void Gpu_power_and_energy_are_kept_as_a_cross_check()
    {
        var reading = _profile.Read(Fixtures.Payload("triton-trtllm-backend.prom"), Url, null);
        var gpu = Assert.Single(reading.GpuPower);
        Assert.Equal("GPU-5d2e5c6a-0000-4000-8000-000000000001", gpu.GpuUuid);
        Assert.Equal(212.5, gpu.PowerWatts);
        Assert.Equal(123456.789, gpu.EnergyJoules);
    }
}
