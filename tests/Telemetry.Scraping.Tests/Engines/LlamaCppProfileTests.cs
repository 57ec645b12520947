using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class LlamaCppProfileTests
{
    private const string Url = "http://127.0.0.1:8080/metrics";
    private readonly LlamaCppProfile _profile = new();

    [Fact]
    public void Reads_a_real_llama_server_payload()
    {
        var payload = Fixtures.Payload("llamacpp-0.5.0.prom");
        Assert.True(_profile.Recognizes(payload));
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);

        Assert.Equal("unknown", s.Model);
        Assert.Empty(s.Labels);
        Assert.Equal(58 + 19, s.InputTokens); // processed + cached: the sum of the responses' usage.prompt_tokens
        Assert.Equal(70, s.OutputTokens);
        Assert.Equal(0, s.Running);
        Assert.Equal(0, s.Waiting);
        Assert.Empty(s.Requests);           // llama.cpp counts no requests
        Assert.Null(s.KvCacheUsageRatio);   // removed by llama.cpp#13660
        Assert.False(s.Histograms.ContainsKey(HistogramNames.Ttft));
        Assert.Equal([HistogramNames.Tpot], s.Derived);
        Assert.Equal((70.0, 0.016393), (s.Histograms[HistogramNames.Tpot].Count, s.Histograms[HistogramNames.Tpot].Sum));
        Assert.Null(s.StartedAtSeconds); // the Process-Start-Time-Unix header is not trusted
    }

    [Fact]
    public void Decode_time_per_token_is_the_seconds_counter_over_the_token_counter()
    {
        var payload = Fixtures.Parse("""
            # HELP llamacpp:tokens_predicted_total Number of generation tokens processed.
            # TYPE llamacpp:tokens_predicted_total counter
            llamacpp:tokens_predicted_total 400
            # HELP llamacpp:tokens_predicted_seconds_total Predict process time
            # TYPE llamacpp:tokens_predicted_seconds_total counter
            llamacpp:tokens_predicted_seconds_total 2
            # HELP llamacpp:predicted_tokens_seconds Average generation throughput in tokens/s.
            # TYPE llamacpp:predicted_tokens_seconds gauge
            llamacpp:predicted_tokens_seconds 9999
            """);
        var s = Assert.Single(_profile.Read(payload, Url, "stories").Streams);
        var tpot = s.Histograms[HistogramNames.Tpot];
        Assert.Empty(tpot.UpperBounds);
        Assert.Equal((400.0, 2.0), (tpot.Count, tpot.Sum)); // mean 5 ms per generated token
        Assert.Equal("stories", s.Model);
        Assert.Null(s.InputTokens);
    }

    [Fact]
    public void Without_the_seconds_counter_no_decode_time_is_invented()
    {
        var payload = Fixtures.Parse("llamacpp:tokens_predicted_total 400\nllamacpp:prompt_tokens_total 10\n");
        var s = Assert.Single(_profile.Read(payload, Url, null).Streams);
        Assert.Empty(s.Histograms);
        Assert.Empty(s.Derived);
        Assert.Equal(10, s.InputTokens);
    }
}
