using System.IO.Compression;
using Google.Protobuf;
using Telemetry.Collector.Ingest;

namespace Telemetry.Collector.Tests.Ingest;

public sealed class ReportDecoderTests
{
    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    [Fact]
    public async Task A_plain_and_a_gzip_report_decode_to_the_same_message()
    {
        var report = new Reports().Next(1_700_000_000_000, 1, 2, 3);
        var bytes = report.ToByteArray();
        var (plain, _, e1) = await ReportDecoder.DecodeAsync(new MemoryStream(bytes), bytes.Length, gzip: false, 1 << 20, default);
        var (zipped, _, e2) = await ReportDecoder.DecodeAsync(new MemoryStream(Gzip(bytes)), null, gzip: true, 1 << 20, default);
        Assert.Null(e1);
        Assert.Null(e2);
        Assert.Equal(report, plain);
        Assert.Equal(report, zipped);
    }

    [Fact]
    public async Task A_gzip_bomb_stops_at_the_limit()
    {
        var bomb = Gzip(new byte[50 * 1024 * 1024]); // ~50 KB that expands to 50 MB
        var (report, reason, error) = await ReportDecoder.DecodeAsync(new MemoryStream(bomb), bomb.Length, gzip: true, 1 << 20, default);
        Assert.Null(report);
        Assert.Equal(RejectReason.TooLarge, reason);
        Assert.Contains("decompressed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_before_reading()
    {
        var (report, reason, _) = await ReportDecoder.DecodeAsync(new MemoryStream([1, 2, 3]), 10_000_000, gzip: false, 1 << 20, default);
        Assert.Null(report);
        Assert.Equal(RejectReason.TooLarge, reason);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x0A, 0x50, 0x41 })]
    [InlineData(new byte[0])]
    public async Task Garbage_is_malformed_with_a_reason(byte[] body)
    {
        var (report, reason, error) = await ReportDecoder.DecodeAsync(new MemoryStream(body), body.Length, gzip: false, 1 << 20, default);
        Assert.Null(report);
        Assert.Equal(RejectReason.Malformed, reason);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("4affffffff672acc")] // gpus with a length near int.MaxValue, then a truncated field
    [InlineData("52fcffffff57d801")]
    [InlineData("52ffffffff673934")]
    public async Task A_sub_message_length_near_int_max_is_malformed_not_an_exception(string hex)
    {
        // Google.Protobuf throws IndexOutOfRangeException for these (protocolbuffers/protobuf#26856).
        var body = Convert.FromHexString(hex);
        var (report, reason, error) = await ReportDecoder.DecodeAsync(new MemoryStream(body), body.Length, gzip: false, 1 << 20, default);
        Assert.Null(report);
        Assert.Equal(RejectReason.Malformed, reason);
        Assert.StartsWith("not a protobuf NodeReport", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_gzip_stream_is_malformed()
    {
        var (report, reason, _) = await ReportDecoder.DecodeAsync(new MemoryStream([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), 14, gzip: true, 1 << 20, default);
        Assert.Null(report);
        Assert.Equal(RejectReason.Malformed, reason);
    }
}
