using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class TgiProfileTests
{
    private const string Url = "http://127.0.0.1:8080/metrics";
    private readonly TgiProfile _profile = new();

    [Fact]
    public void Token_totals_come_from_histogram_sums_and_are_marked_derived()
    {
        var payload = Fixtures.Payload("tgi-3.3.prom");
        Assert.True(_profile.Recognizes(payload));
        var s = Assert.Single(_profile.Read(payload, Url, modelOverride: "mistral-7b").Streams);

        Assert.Equal("mistral-7b", s.Model);
        Assert.Empty(s.Labels);
        Assert.Equal(512, s.InputTokens);
        Assert.Equal(1100, s.OutputTokens);
        Assert.Equal(["tpot_seconds", "input_tokens", "output_tokens"], s.Derived);
        Assert.Equal(9, s.Requests[RequestOutcomes.Success]);
        Assert.Equal(3, s.Requests[RequestOutcomes.Error]);
        Assert.False(s.Requests.ContainsKey(RequestOutcomes.Aborted));
        Assert.Equal(4, s.Running);
        Assert.Equal(3, s.Waiting);
        Assert.Null(s.KvCacheUsageRatio);
    }

    [Fact]
    public void Has_no_ttft_and_maps_its_duration_histograms()
    {
        var s = Assert.Single(_profile.Read(Fixtures.Payload("tgi-3.3.prom"), Url, null).Streams);
        Assert.Equal("unknown", s.Model); // TGI names no model; configure Model
        Assert.False(s.Histograms.ContainsKey(HistogramNames.Ttft));
        Assert.Equal([0.00015, 0.0225, 0.03375], s.Histograms[HistogramNames.Tpot].UpperBounds);
        Assert.Equal(0.19, s.Histograms[HistogramNames.Tpot].Sum);
        Assert.Equal(21.5, s.Histograms[HistogramNames.E2e].Sum);
        Assert.Equal(1.7085937500000004, s.Histograms[HistogramNames.E2e].UpperBounds[0]);
        Assert.Equal(0.05, s.Histograms[HistogramNames.Queue].Sum);
    }

    [Fact]
    public void Bucketless_histograms_rendered_as_summaries_keep_count_and_sum()
    {
        var payload = Fixtures.Parse("""
            # TYPE tgi_request_duration summary
            tgi_request_duration{quantile="0.5"} 1.2
            tgi_request_duration{quantile="1"} 3
            tgi_request_duration_sum 7.5
            tgi_request_duration_count 5
            """);
        var h = Assert.Single(_profile.Read(payload, Url, null).Streams).Histograms[HistogramNames.E2e];
        Assert.Empty(h.UpperBounds);
        Assert.Equal((5.0, 7.5), (h.Count, h.Sum));
    }
}
