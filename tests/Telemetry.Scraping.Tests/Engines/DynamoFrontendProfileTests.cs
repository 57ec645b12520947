using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class DynamoFrontendProfileTests
{
    private const string Url = "http://127.0.0.1:8000/metrics";

    [Fact]
    public void Reads_the_frontend_with_input_tokens_from_the_sequence_histogram()
    {
        var profile = new DynamoFrontendProfile();
        var payload = Fixtures.Payload("dynamo-frontend.prom");
        Assert.True(profile.Recognizes(payload));
        var streams = profile.Read(payload, Url, null).Streams;

        // The unlabelled disconnected_clients gauge is not read, so no model-less stream appears.
        var s = Assert.Single(streams);
        Assert.Equal("qwen/qwen3-0.6b", s.Model);
        Assert.Equal(3000, s.OutputTokens);
        Assert.Equal(450, s.InputTokens);
        Assert.Equal(["input_tokens"], s.Derived);
        Assert.Equal(12, s.Requests[RequestOutcomes.Success]);
        Assert.Equal(2, s.Requests[RequestOutcomes.Aborted]);
        Assert.Equal(1, s.Requests[RequestOutcomes.Error]);
        Assert.Equal(3, s.Running);
        Assert.Equal(1, s.Waiting);
        Assert.Equal([0, 0.047, 0.1], s.Histograms[HistogramNames.Ttft].UpperBounds);
        Assert.Equal(2988, s.Histograms[HistogramNames.Tpot].Count);
        Assert.Equal(16.2, s.Histograms[HistogramNames.E2e].Sum);
        Assert.False(s.Histograms.ContainsKey(HistogramNames.Queue));
    }
}
