using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class SglangProfileTests
{
    private const string Url = "http://127.0.0.1:30000/metrics";
    private readonly SglangProfile _profile = new();

    [Fact]
    public void Reads_the_real_sglang_tokenizer_payload_with_sums_before_buckets()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Sglang));
        Assert.True(_profile.Recognizes(payload));
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);

        Assert.Equal("Qwen/Qwen3-0.6B", s.Model);
        Assert.Empty(s.Labels);
        Assert.Equal(33, s.InputTokens);
        Assert.Equal(300, s.OutputTokens);
        Assert.Equal(1, s.Requests[RequestOutcomes.Success]);
        Assert.False(s.Requests.ContainsKey(RequestOutcomes.Error)); // SGLang has no error count: absent, not 0.
        Assert.Empty(s.Derived);
        Assert.Null(s.Running); // scheduler gauges were cut from this excerpt
        Assert.Equal(1, s.Histograms[HistogramNames.Ttft].Count);
        Assert.Equal(1.5573770999908447, s.Histograms[HistogramNames.Ttft].Sum);
        Assert.Equal(299, s.Histograms[HistogramNames.Tpot].Count);
        Assert.Equal(0.6138594150543213, s.Histograms[HistogramNames.Tpot].Sum);
        Assert.Equal(2.171226978302002, s.Histograms[HistogramNames.E2e].Sum);
        Assert.False(s.Histograms.ContainsKey(HistogramNames.Queue));
        Assert.Equal(0.1, s.Histograms[HistogramNames.Ttft].UpperBounds[0]);
    }

    [Fact]
    public void Router_underscore_names_read_like_colon_names_with_rank_duplicates_dropped()
    {
        var payload = Fixtures.Payload("sglang-router-underscore.prom");
        Assert.True(_profile.Recognizes(payload));
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);

        Assert.Equal("meta-llama/Llama-3.1-8B-Instruct", s.Model);
        Assert.Equal(4096, s.InputTokens);
        Assert.Equal(8192, s.OutputTokens);
        Assert.Equal(37, s.Requests[RequestOutcomes.Success]); // 40 finished − 3 aborted
        Assert.Equal(3, s.Requests[RequestOutcomes.Aborted]);
        Assert.Equal(["requests"], s.Derived);
        Assert.Equal(7, s.Running);   // dp 0 (5) + dp 1 (2); tp_rank 1 repeats the same batch
        Assert.Equal(1, s.Waiting);
        Assert.Equal(0.375, s.KvCacheUsageRatio); // mean of the tp_rank 0 values 0.5 and 0.25
        Assert.Equal([0.1, 0.2, 0.4], s.Histograms[HistogramNames.Ttft].UpperBounds);
        Assert.Equal([10.0, 30, 40], s.Histograms[HistogramNames.Ttft].CumulativeCounts);
        Assert.Equal([0.0, 0.1], s.Histograms[HistogramNames.Queue].UpperBounds);
    }

    [Fact]
    public void Pre_1853_name_label_and_removed_tpot_name_are_accepted()
    {
        var payload = Fixtures.Parse("""
            # TYPE sglang:prompt_tokens_total counter
            sglang:prompt_tokens_total{name="old-model"} 5
            # TYPE sglang:time_per_output_token_seconds histogram
            sglang:time_per_output_token_seconds_bucket{le="0.01",name="old-model"} 1
            sglang:time_per_output_token_seconds_bucket{le="+Inf",name="old-model"} 2
            sglang:time_per_output_token_seconds_sum{name="old-model"} 0.03
            sglang:time_per_output_token_seconds_count{name="old-model"} 2
            """);
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);
        Assert.Equal("old-model", s.Model);
        Assert.Equal(5, s.InputTokens);
        Assert.Equal(0.03, s.Histograms[HistogramNames.Tpot].Sum);
    }

    [Fact]
    public void Does_not_recognize_vllm()
    {
        Assert.False(_profile.Recognizes(Fixtures.Parse(Fixtures.Bytes(Fixtures.Vllm))));
    }
}
