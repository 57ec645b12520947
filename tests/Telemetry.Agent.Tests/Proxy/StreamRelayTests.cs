using System.Diagnostics;
using System.Text;
using Telemetry.Agent.Proxy;
using Xunit;

namespace Telemetry.Agent.Tests.Proxy;

public sealed class StreamRelayTests
{
    [Theory]
    [InlineData("data: a\n\ndata: b\n\n", true, 9)]
    [InlineData("data: a\r\n\r\ndata: b", true, 11)]
    [InlineData("data: a\ndata: b", true, -1)]
    [InlineData("{\"a\":1}\n{", false, 8)]
    public void Events_end_at_the_first_terminator(string text, bool sse, int expected) =>
        Assert.Equal(expected, StreamRelay.EventEnd(Encoding.UTF8.GetBytes(text), 0, sse));

    /// <summary>The same bytes arrive in every possible split: the client gets them all, minus only the usage chunk.</summary>
    [Fact]
    public async Task Any_split_of_the_stream_relays_the_same_bytes()
    {
        const string Kept = "data: {\"choices\":[{\"delta\":{\"content\":\"A\"}}]}\r\n\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"B\"}}]}\n\n";
        const string Usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2}}\n\n";
        var bytes = Encoding.UTF8.GetBytes(Kept + Usage + "data: [DONE]\n\n");
        for (var split = 1; split < bytes.Length; split++)
        {
            var client = new MemoryStream();
            var meter = new ResponseMeter(InferenceApi.OpenAiChat, Stopwatch.GetTimestamp());
            await StreamRelay.RelayAsync(new SplitStream(bytes, split), client, meter, sse: true, dropUsageChunk: true, CancellationToken.None);

            Assert.Equal(Kept + "data: [DONE]\n\n", Encoding.UTF8.GetString(client.ToArray()));
            var record = meter.Finish("m", default, "success", streamed: true, Stopwatch.GetTimestamp());
            Assert.Equal((2L, 2L, false), (record.InputTokens, record.OutputTokens, record.Estimated));
        }
    }

    [Fact]
    public async Task Without_usage_the_output_tokens_are_counted_chunks_marked_estimated()
    {
        var bytes = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"text\":\"A\"}]}\n\ndata: {\"choices\":[{\"text\":\"B\"}]}\n\ndata: {\"choices\":[{\"text\":\"\"}]}\n\n");
        var meter = new ResponseMeter(InferenceApi.OpenAiCompletion, Stopwatch.GetTimestamp());
        await StreamRelay.RelayAsync(new MemoryStream(bytes), new MemoryStream(), meter, sse: true, dropUsageChunk: false, CancellationToken.None);

        var record = meter.Finish("m", default, "success", streamed: true, Stopwatch.GetTimestamp());
        Assert.Equal((2L, true), (record.OutputTokens, record.Estimated));
    }

    /// <summary>Hands out its bytes <c>size</c> at a time, as a network might.</summary>
    private sealed class SplitStream(byte[] data, int size) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(size, buffer.Length)], cancellationToken);
    }
}
