using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Tests.Prometheus;

public sealed class FixtureParseTests
{
    public static TheoryData<string> AllFixtures => new(Fixtures.All());

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Every_fixture_parses_with_one_family_per_type_line(string fixture)
    {
        var bytes = Fixtures.Bytes(fixture);
        var payload = Fixtures.Parse(bytes);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var lines = text.Split('\n');
        var typeLines = lines.Count(l => l.StartsWith("# TYPE ", StringComparison.Ordinal));
        var sampleLines = lines.Count(l => l.Length > 0 && l[0] != '#');
        Assert.Equal(typeLines, payload.Families.Count);
        Assert.Equal(sampleLines, payload.SampleCount);
        Assert.All(payload.Families, f => Assert.NotEqual(MetricType.Unknown, f.Type));
        Assert.All(payload.Families, f => Assert.NotNull(f.Help));
    }

    [Fact]
    public void Vllm_fixture_values()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Vllm));
        Assert.Equal(46, payload.Families.Count);
        Assert.Equal(66.0, payload.Find("vllm:prompt_tokens_total")!.Samples[0].Value);
        Assert.Equal(600.0, payload.Find("vllm:generation_tokens_total")!.Samples[0].Value);
        Assert.Equal(1.7682643398898673e+09, payload.Find("vllm:prefix_cache_queries_created")!.Samples[0].Value);

        var success = payload.Find("vllm:request_success_total")!;
        Assert.Equal(MetricType.Counter, success.Type);
        Assert.Equal(4, success.Samples.Count);
        Assert.Equal("length", success.Samples[1].GetLabel("finished_reason"));
        Assert.Equal(2.0, success.Samples[1].Value);

        var iteration = payload.Find("vllm:iteration_tokens_total")!;
        Assert.Equal(MetricType.Histogram, iteration.Type);
        Assert.Equal(16, iteration.Samples.Count); // 14 buckets + count + sum
        Assert.Equal(666.0, iteration.Samples[^1].Value);

        var ttft = payload.Find("vllm:time_to_first_token_seconds")!;
        Assert.Equal(25, ttft.Samples.Count);
        Assert.Equal("Qwen/Qwen3-0.6B", ttft.Samples[0].GetLabel("model_name"));
        Assert.Equal("0", ttft.Samples[0].GetLabel("engine"));
        Assert.Equal("0.001", ttft.Samples[0].GetLabel("le"));
        Assert.Equal(0.4143967628479004, ttft.Samples[^1].Value);
        Assert.Equal(1.883227378129959e-05, payload.SamplesNamed("vllm:request_queue_time_seconds_sum")[0].Value);
    }

    [Fact]
    public void Sglang_fixture_keeps_sum_first_histograms_together()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Sglang));
        Assert.Equal(7, payload.Families.Count);
        var ttft = payload.Find("sglang:time_to_first_token_seconds")!;
        Assert.Equal("sglang:time_to_first_token_seconds_sum", ttft.Samples[0].Name);
        Assert.Equal(1.5573770999908447, ttft.Samples[0].Value);
        Assert.Equal(300.0, payload.Find("sglang:generation_tokens_total")!.Samples[0].Value);
    }

    [Fact]
    public void Triton_fixture_counters_without_total()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Triton));
        Assert.Equal(10, payload.Families.Count);
        var success = payload.Find("nv_inference_request_success")!;
        Assert.Equal(MetricType.Counter, success.Type);
        Assert.Equal("tensorrt_llm", success.Samples[0].GetLabel("model"));
        Assert.Equal(MetricType.Gauge, payload.Find("nv_inference_pending_request_count")!.Type);
    }

    [Fact]
    public void Dcgm_fixture_energy_counter_and_labels()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Dcgm));
        Assert.Equal(23, payload.Families.Count);
        var energy = payload.Find("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")!;
        Assert.Equal(MetricType.Counter, energy.Type);
        Assert.Equal(4742776, energy.Samples[0].Value);
        Assert.Equal("NVIDIA L4", energy.Samples[0].GetLabel("modelName"));
        Assert.Equal("580.105.08", energy.Samples[0].GetLabel("DCGM_FI_DRIVER_VERSION"));
        Assert.Equal(16.365, payload.Find("DCGM_FI_DEV_POWER_USAGE")!.Samples[0].Value);
    }
}
