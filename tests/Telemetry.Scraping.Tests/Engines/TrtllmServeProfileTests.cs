using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class TrtllmServeProfileTests
{
    private const string Url = "http://127.0.0.1:8000/prometheus/metrics";

    [Fact]
    public void Reads_outcomes_and_four_histograms_and_no_tokens()
    {
        var profile = new TrtllmServeProfile();
        var payload = Fixtures.Payload("trtllm-serve.prom");
        Assert.True(profile.Recognizes(payload));
        var s = Assert.Single(profile.Read(payload, Url, null).Streams);

        Assert.Equal("Qwen/Qwen3-0.6B", s.Model);
        Assert.Null(s.InputTokens);
        Assert.Null(s.OutputTokens);
        Assert.Empty(s.Derived);
        Assert.Equal(9, s.Requests[RequestOutcomes.Success]);
        Assert.Equal(1, s.Requests[RequestOutcomes.Aborted]);
        Assert.Equal(0, s.Requests[RequestOutcomes.Error]);
        Assert.Equal([0.001, 0.04, 2560], s.Histograms[HistogramNames.Ttft].UpperBounds);
        Assert.Equal(0.045, s.Histograms[HistogramNames.Tpot].Sum);
        Assert.Equal(4.5, s.Histograms[HistogramNames.E2e].Sum);
        Assert.Equal(0.009, s.Histograms[HistogramNames.Queue].Sum);
    }
}
