using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class EngineProfilesTests
{
    [Theory]
    [InlineData("auto")]
    [InlineData("vllm")]
    [InlineData("VLLM")]
    public void Finds_vllm_for_a_vllm_payload(string engine)
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Vllm));
        Assert.IsType<VllmProfile>(EngineProfiles.Find(engine, payload));
    }

    [Theory]
    [InlineData(Fixtures.Sglang, "sglang")]
    [InlineData(Fixtures.Triton, "triton")]
    public void Auto_detects_the_real_fixtures(string fixture, string engine)
    {
        Assert.Equal(engine, EngineProfiles.Find("auto", Fixtures.Parse(Fixtures.Bytes(fixture)))?.Engine);
    }

    [Theory]
    [InlineData("tgi-3.3.prom", "tgi")]
    [InlineData("sglang-router-underscore.prom", "sglang")]
    [InlineData("triton-trtllm-backend.prom", "triton")]
    [InlineData("trtllm-serve.prom", "trtllm")]
    [InlineData("dynamo-frontend.prom", "dynamo")]
    [InlineData("llamacpp-0.5.0.prom", "llamacpp")]
    [InlineData("vllm-two-models-openmetrics.prom", "vllm")]
    public void Auto_detects_every_engine_from_its_payload(string payload, string engine)
    {
        Assert.Equal(engine, EngineProfiles.Find("auto", Fixtures.Payload(payload))?.Engine);
    }

    [Fact]
    public void Explicit_engine_wins_over_auto_detection()
    {
        // Triton's vLLM backend: vllm: names relabelled {model,version} next to Triton's own nv_ names.
        var payload = Fixtures.Parse("""
            vllm:generation_tokens_total{model="vllm_model",version="1"} 50
            nv_inference_request_success{model="vllm_model",version="1"} 4
            """);
        Assert.Equal("vllm", EngineProfiles.Find("auto", payload)?.Engine);
        var triton = EngineProfiles.Find("triton", payload);
        Assert.IsType<TritonProfile>(triton);
        Assert.Equal(4, Assert.Single(triton.Read(payload, "u", null).Streams).Requests[RequestOutcomes.Success]);
    }

    [Theory]
    [InlineData("auto", Fixtures.Dcgm)]
    [InlineData("vllm", Fixtures.Triton)]
    [InlineData("tgi", Fixtures.Vllm)]
    [InlineData("llamacpp", Fixtures.Sglang)]
    [InlineData("dynamo", Fixtures.Vllm)]
    public void Finds_nothing_when_no_profile_fits(string engine, string fixture)
    {
        Assert.Null(EngineProfiles.Find(engine, Fixtures.Parse(Fixtures.Bytes(fixture))));
    }

    [Theory]
    [InlineData("auto", true)]
    [InlineData("Auto", true)]
    [InlineData("vllm", true)]
    [InlineData("sglang", true)]
    [InlineData("tgi", true)]
    [InlineData("llamacpp", true)]
    [InlineData("triton", true)]
    [InlineData("trtllm", true)]
    [InlineData("dynamo", true)]
    [InlineData("ollama", false)]
    [InlineData("", false)]
    public void Knows_which_engines_are_supported(string engine, bool supported)
    {
        Assert.Equal(supported, EngineProfiles.IsSupported(engine));
    }

    [Fact]
    public void Engine_names_match_the_design_contract()
    {
        Assert.Equal(["vllm", "sglang", "dynamo", "trtllm", "tgi", "llamacpp", "triton"], EngineProfiles.All.Select(p => p.Engine));
    }
}
