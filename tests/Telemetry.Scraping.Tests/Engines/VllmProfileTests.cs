using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class VllmProfileTests
{
    private const string Url = "http://127.0.0.1:8000/metrics";
    private readonly VllmProfile _profile = new();

    [Fact]
    public void Reads_the_real_vllm_v1_payload()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Vllm));
        Assert.True(_profile.Recognizes(payload));
        var reading = _profile.Read(payload, Url, modelOverride: null);

        Assert.Equal("vllm", reading.Engine);
        Assert.Equal(Url, reading.Url);
        var s = Assert.Single(reading.Streams);
        Assert.Equal("Qwen/Qwen3-0.6B", s.Model);
        Assert.Equal("0", Assert.Single(s.Labels, l => l.Key == "engine").Value);
        Assert.Equal(66, s.InputTokens);
        Assert.Equal(600, s.OutputTokens);
        Assert.Equal(2, s.Requests[RequestOutcomes.Success]);
        Assert.Equal(0, s.Requests[RequestOutcomes.Error]);
        Assert.Equal(0, s.Requests[RequestOutcomes.Aborted]);
        Assert.Equal(0, s.Running);
        Assert.Equal(0, s.Waiting);
        Assert.Equal(0, s.KvCacheUsageRatio);
        Assert.Empty(s.Derived);
        Assert.Equal([HistogramNames.Ttft, HistogramNames.Tpot, HistogramNames.E2e, HistogramNames.Queue], s.Histograms.Keys);

        var ttft = s.Histograms[HistogramNames.Ttft];
        Assert.Equal(22, ttft.UpperBounds.Length);
        Assert.Equal(0.001, ttft.UpperBounds[0]);
        Assert.Equal(2560, ttft.UpperBounds[^1]);
        Assert.Equal(1, ttft.CumulativeCounts[3]);  // le=0.02
        Assert.Equal(2, ttft.CumulativeCounts[9]);  // le=0.5
        Assert.Equal(2, ttft.Count);
        Assert.Equal(0.4143967628479004, ttft.Sum);

        var tpot = s.Histograms[HistogramNames.Tpot]; // inter_token_latency, not request_time_per_output_token
        Assert.Equal(598, tpot.Count);
        Assert.Equal(3.1598554495722055, tpot.Sum);
        Assert.Equal(19, tpot.UpperBounds.Length);

        Assert.Equal(21, s.Histograms[HistogramNames.E2e].UpperBounds.Length);
        Assert.Equal(3.5736520290374756, s.Histograms[HistogramNames.E2e].Sum);
        Assert.Equal(1.883227378129959e-05, s.Histograms[HistogramNames.Queue].Sum);
    }

    [Fact]
    public void Model_override_replaces_the_model_name()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Vllm));
        var reading = _profile.Read(payload, Url, modelOverride: "qwen3");
        Assert.Equal("qwen3", Assert.Single(reading.Streams).Model);
    }

    [Fact]
    public void One_stream_per_model_and_engine_in_first_seen_order()
    {
        var payload = Fixtures.Parse("""
            # TYPE vllm:prompt_tokens_total counter
            vllm:prompt_tokens_total{engine="0",model_name="a"} 10
            vllm:prompt_tokens_total{engine="1",model_name="a"} 20
            vllm:prompt_tokens_total{engine="0",model_name="b"} 30
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="1",model_name="a"} 4
            """);
        var streams = _profile.Read(payload, Url, null).Streams;
        Assert.Equal(3, streams.Count);
        Assert.Equal(("a", "0", 10.0), (streams[0].Model, streams[0].Labels["engine"], streams[0].InputTokens!.Value));
        Assert.Equal(("a", "1", 20.0), (streams[1].Model, streams[1].Labels["engine"], streams[1].InputTokens!.Value));
        Assert.Equal(("b", "0", 30.0), (streams[2].Model, streams[2].Labels["engine"], streams[2].InputTokens!.Value));
        Assert.Equal(4, streams[1].Running);
        Assert.Null(streams[0].Running);
    }

    [Fact]
    public void Absent_values_stay_absent()
    {
        var payload = Fixtures.Parse("vllm:generation_tokens_total{model_name=\"m\"} 5\n");
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);
        Assert.Equal(5, s.OutputTokens);
        Assert.Null(s.InputTokens);
        Assert.Null(s.Running);
        Assert.Null(s.Waiting);
        Assert.Null(s.KvCacheUsageRatio);
        Assert.Empty(s.Requests);
        Assert.Empty(s.Histograms);
        Assert.Empty(s.Labels); // V0: no engine label
        Assert.Empty(s.Derived);
    }

    [Fact]
    public void Old_names_and_underscore_prefix_are_accepted()
    {
        var payload = Fixtures.Parse("""
            # TYPE vllm_gpu_cache_usage_perc gauge
            vllm_gpu_cache_usage_perc{model_name="m"} 0.25
            # TYPE vllm_time_per_output_token_seconds histogram
            vllm_time_per_output_token_seconds_bucket{le="0.1",model_name="m"} 3
            vllm_time_per_output_token_seconds_bucket{le="+Inf",model_name="m"} 4
            vllm_time_per_output_token_seconds_count{model_name="m"} 4
            vllm_time_per_output_token_seconds_sum{model_name="m"} 0.5
            vllm_prompt_tokens_total{model_name="m"} 7
            """);
        Assert.True(_profile.Recognizes(payload));
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);
        Assert.Equal(0.25, s.KvCacheUsageRatio);
        Assert.Equal(7, s.InputTokens);
        var tpot = s.Histograms[HistogramNames.Tpot];
        Assert.Equal([0.1], tpot.UpperBounds);
        Assert.Equal([3.0], tpot.CumulativeCounts);
        Assert.Equal(4, tpot.Count);
    }

    [Fact]
    public void New_names_win_over_old_names()
    {
        var payload = Fixtures.Parse("""
            vllm:kv_cache_usage_perc{model_name="m"} 0.5
            vllm:gpu_cache_usage_perc{model_name="m"} 0.9
            vllm:inter_token_latency_seconds_count{model_name="m"} 10
            vllm:inter_token_latency_seconds_sum{model_name="m"} 1
            vllm:time_per_output_token_seconds_count{model_name="m"} 99
            vllm:time_per_output_token_seconds_sum{model_name="m"} 9
            """);
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);
        Assert.Equal(0.5, s.KvCacheUsageRatio);
        Assert.Equal(10, s.Histograms[HistogramNames.Tpot].Count);
    }

    [Fact]
    public void Finished_reasons_map_to_outcomes()
    {
        var payload = Fixtures.Parse("""
            vllm:request_success_total{finished_reason="stop",model_name="m"} 5
            vllm:request_success_total{finished_reason="length",model_name="m"} 2
            vllm:request_success_total{finished_reason="abort",model_name="m"} 3
            vllm:request_success_total{finished_reason="error",model_name="m"} 1
            vllm:request_success_total{finished_reason="stop",model_name="other"} 8
            """);
        var streams = _profile.Read(payload, Url, null).Streams;
        Assert.Equal(7, streams[0].Requests[RequestOutcomes.Success]);
        Assert.Equal(3, streams[0].Requests[RequestOutcomes.Aborted]);
        Assert.Equal(1, streams[0].Requests[RequestOutcomes.Error]);
        Assert.Equal(8, streams[1].Requests[RequestOutcomes.Success]);
        Assert.Equal(0, streams[1].Requests[RequestOutcomes.Error]);
        Assert.Equal(0, streams[1].Requests[RequestOutcomes.Aborted]);
    }

    [Fact]
    public void Buckets_are_sorted_by_bound_and_taken_from_the_payload()
    {
        var payload = Fixtures.Parse("""
            # TYPE vllm:time_to_first_token_seconds histogram
            vllm:time_to_first_token_seconds_sum{model_name="m"} 12.5
            vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 9
            vllm:time_to_first_token_seconds_bucket{le="7",model_name="m"} 8
            vllm:time_to_first_token_seconds_bucket{le="0.3",model_name="m"} 1
            vllm:time_to_first_token_seconds_bucket{le="2.5e0",model_name="m"} 4
            vllm:time_to_first_token_seconds_count{model_name="m"} 9
            """);
        var h = Assert.Single(_profile.Read(payload, Url, null).Streams).Histograms[HistogramNames.Ttft];
        Assert.Equal([0.3, 2.5, 7.0], h.UpperBounds);
        Assert.Equal([1.0, 4.0, 8.0], h.CumulativeCounts);
        Assert.Equal(9, h.Count);
        Assert.Equal(12.5, h.Sum);
    }

    [Fact]
    public void Histogram_without_count_uses_the_inf_bucket_and_without_sum_is_omitted()
    {
        var payload = Fixtures.Parse("""
            vllm:e2e_request_latency_seconds_bucket{le="1",model_name="m"} 1
            vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 3
            vllm:e2e_request_latency_seconds_sum{model_name="m"} 4
            vllm:request_queue_time_seconds_bucket{le="+Inf",model_name="m"} 3
            vllm:request_queue_time_seconds_count{model_name="m"} 3
            """);
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);
        Assert.Equal(3, s.Histograms[HistogramNames.E2e].Count);
        Assert.False(s.Histograms.ContainsKey(HistogramNames.Queue));
    }

    [Fact]
    public void Histogram_sum_substitutes_a_missing_token_counter_and_says_so()
    {
        var payload = Fixtures.Parse("""
            vllm:generation_tokens_total{model_name="m"} 600
            vllm:request_prompt_tokens_sum{model_name="m"} 66
            vllm:request_prompt_tokens_count{model_name="m"} 2
            vllm:request_generation_tokens_sum{model_name="m"} 590
            """);
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);
        Assert.Equal(66, s.InputTokens);
        Assert.Equal(600, s.OutputTokens); // the real counter wins over the substitute
        Assert.Equal(["input_tokens"], s.Derived);
    }

    [Fact]
    public void Model_label_of_the_triton_vllm_backend_is_used_when_model_name_is_absent()
    {
        var payload = Fixtures.Parse("vllm:prompt_tokens_total{model=\"llama\",version=\"1\"} 3\n");
        Assert.Equal("llama", Assert.Single(_profile.Read(payload, Url, null).Streams).Model);
    }

    [Theory]
    [InlineData(Fixtures.Sglang)]
    [InlineData(Fixtures.Triton)]
    [InlineData(Fixtures.Dcgm)]
    public void Does_not_recognize_other_exporters(string fixture)
    {
        Assert.False(_profile.Recognizes(Fixtures.Parse(Fixtures.Bytes(fixture))));
    }
}
