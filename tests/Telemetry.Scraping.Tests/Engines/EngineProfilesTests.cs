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
    [InlineData("auto", Fixtures.Sglang)]
    [InlineData("auto", Fixtures.Dcgm)]
    [InlineData("vllm", Fixtures.Triton)]
    [InlineData("tgi", Fixtures.Vllm)]
    public void Finds_nothing_when_no_profile_fits(string engine, string fixture)
    {
        Assert.Null(EngineProfiles.Find(engine, Fixtures.Parse(Fixtures.Bytes(fixture))));
    }

    [Theory]
    [InlineData("auto", true)]
    [InlineData("Auto", true)]
    [InlineData("vllm", true)]
    [InlineData("tgi", false)]
    [InlineData("", false)]
    public void Knows_which_engines_are_supported(string engine, bool supported)
    {
        Assert.Equal(supported, EngineProfiles.IsSupported(engine));
    }
}
