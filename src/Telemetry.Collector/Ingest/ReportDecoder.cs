using System.Buffers;
using System.IO.Compression;
using Google.Protobuf;
using Telemetry.Wire;

namespace Telemetry.Collector.Ingest;

/// <summary>
/// Reads a <see cref="NodeReport"/> from a request body: size-limited before and after gzip (a
/// small gzip body must not expand into gigabytes), then protobuf-decoded. Never throws for bad
/// input: returns the reject reason and a message instead.
/// </summary>
internal static class ReportDecoder
{
    public static async Task<(NodeReport? Report, RejectReason Reason, string? Error)> DecodeAsync(
        Stream body, long? contentLength, bool gzip, int maxBytes, CancellationToken ct)
    {
        if (contentLength > maxBytes)
        {
            return (null, RejectReason.TooLarge, $"body of {contentLength} bytes is over the limit of {maxBytes}");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, 64 * 1024));
        try
        {
            Stream source = gzip ? new GZipStream(body, CompressionMode.Decompress, leaveOpen: true) : body;
            await using (source.ConfigureAwait(false))
            {
                var length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length > maxBytes)
                        {
                            return (null, RejectReason.TooLarge, $"{(gzip ? "decompressed " : "")}body is over the limit of {maxBytes} bytes");
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    int read;
                    try
                    {
                        read = await source.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                    }
                    catch (InvalidDataException ex)
                    {
                        return (null, RejectReason.Malformed, "gzip body is corrupt: " + ex.Message);
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                    if (length > maxBytes)
                    {
                        return (null, RejectReason.TooLarge, $"{(gzip ? "decompressed " : "")}body is over the limit of {maxBytes} bytes");
                    }
                }

                if (length == 0)
                {
                    return (null, RejectReason.Malformed, "empty body: expected a protobuf NodeReport");
                }

                try
                {
                    return (NodeReport.Parser.ParseFrom(buffer.AsSpan(0, length)), default, null);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    return (null, RejectReason.Malformed, "not a protobuf NodeReport: " + ex.Message);
                }
                catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentOutOfRangeException)
                {
                    // Google.Protobuf reads past the span for a sub-message length near int.MaxValue
                    // (protocolbuffers/protobuf#26856, open in 3.34.1) instead of throwing
                    // InvalidProtocolBufferException; found by IngestFuzzTests. Same answer as any truncation.
                    return (null, RejectReason.Malformed, "not a protobuf NodeReport: a length prefix runs past the end of the body");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
