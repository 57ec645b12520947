using System.Diagnostics;
using System.Text;
using Telemetry.Agent.Proxy;
using Telemetry.Scraping.Engines;
using Telemetry.Wire.Sketches;
using Xunit;

namespace Telemetry.Agent.Tests.Proxy;

/// <summary>Time per output token: per-chunk gaps into the sketch when a chunk is a token, the per-request mean otherwise.</summary>
public sealed class ResponseMeterTests
{
    private static readonly long Ms = Stopwatch.Frequency / 1000;
    private static readonly Attribution Who = new("t", "economy", "user-1");

    private static byte[] Chunk(string text) => Encoding.UTF8.GetBytes($"{{\"choices\":[{{\"delta\":{{\"content\":\"{text}\"}}}}]}}");

    private static byte[] Usage(int completion) => Encoding.UTF8.GetBytes($"{{\"choices\":[],\"usage\":{{\"prompt_tokens\":3,\"completion_tokens\":{completion}}}}}");

    /// <summary>Four chunks at 100, 110, 130 and 170 ms after the start: gaps of 10, 20 and 40 ms.</summary>
    private static ResponseMeter FourChunks(int completionTokens)
    {
        var start = 1_000_000 * Ms;
        var meter = new ResponseMeter(InferenceApi.OpenAiChat, start);
        foreach (var (text, at) in new[] { ("a", 100), ("b", 110), ("c", 130), ("d", 170) })
        {
            meter.Observe(Chunk(text), start + (at * Ms));
        }

        meter.Observe(Usage(completionTokens), start + (171 * Ms));
        return meter;
    }

    [Fact]
    public void One_token_per_chunk_gives_every_inter_chunk_gap_to_the_tpot_sketch()
    {
        var record = FourChunks(4).Finish("m", Who, RequestOutcomes.Success, streamed: true, (1_000_000 + 200) * Ms);

        Assert.Equal([0.010, 0.020, 0.040], record.ChunkGapsSeconds!.Select(g => Math.Round(g, 9)));
        Assert.Equal(0.070 / 3, record.TpotSeconds!.Value, 9);
        var ledger = new ProxyLedger(60);
        ledger.Record(record, 1);
        var tpot = new LogSketch();
        Assert.Null(tpot.TryMerge(ledger.Drain(2).Single().Sketches.Single(s => s.Metric == "tpot_seconds")));
        Assert.Equal(3ul, tpot.Count);
        Assert.InRange(tpot.Quantile(0.5)!.Value, 0.020 * 0.99, 0.020 * 1.01); // the median gap, not the 23.3-ms mean
        Assert.InRange(tpot.Quantile(1)!.Value, 0.040 * 0.99, 0.040 * 1.01);
    }

    [Fact]
    public void Chunks_carrying_several_tokens_fall_back_to_the_per_request_mean()
    {
        var record = FourChunks(8).Finish("m", Who, RequestOutcomes.Success, streamed: true, (1_000_000 + 200) * Ms);

        Assert.Null(record.ChunkGapsSeconds);
        Assert.Equal(0.070 / 7, record.TpotSeconds!.Value, 9);
        var ledger = new ProxyLedger(60);
        ledger.Record(record, 1);
        var tpot = ledger.Drain(2).Single().Sketches.Single(s => s.Metric == "tpot_seconds");
        Assert.Equal(1ul, tpot.Count);
        Assert.Equal(0.070 / 7, tpot.Sum, 9);
    }
}
