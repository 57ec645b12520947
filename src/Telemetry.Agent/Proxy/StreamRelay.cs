using System.Buffers;
using System.Diagnostics;

namespace Telemetry.Agent.Proxy;

/// <summary>
/// Copies a streamed response to the client event by event — SSE events (ended by a blank line) or
/// NDJSON lines — flushing after every read, so nothing waits for more than the event it is part of.
/// Each complete event is shown to the <see cref="ResponseMeter"/>; when the proxy itself asked for
/// usage, the usage-only SSE event is dropped so the client sees exactly the stream it asked for.
/// </summary>
public static class StreamRelay
{
    /// <summary>An event longer than this without its terminator is relayed raw, unparsed: it bounds memory.</summary>
    public const int MaxEventBytes = 1 << 20;

    private const int ReadSize = 16 << 10;

    public static async Task RelayAsync(Stream upstream, Stream client, ResponseMeter meter, bool sse, bool dropUsageChunk, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize * 2);
        var filled = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - filled < ReadSize)
                {
                    if (filled >= MaxEventBytes)
                    {
                        await client.WriteAsync(buffer.AsMemory(0, filled), ct).ConfigureAwait(false);
                        filled = 0;
                    }
                    else
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }

                var read = await upstream.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var now = Stopwatch.GetTimestamp();
                var scanFrom = Math.Max(0, filled - 3); // a terminator may straddle two reads
                filled += read;
                var consumed = await WriteCompleteEventsAsync(buffer, scanFrom, filled, client, meter, sse, dropUsageChunk, now, ct).ConfigureAwait(false);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                await client.FlushAsync(ct).ConfigureAwait(false);
            }

            if (filled > 0)
            {
                // A last event without its terminator: still the client's, still measured.
                var kept = Inspect(buffer.AsSpan(0, filled), meter, sse, dropUsageChunk, Stopwatch.GetTimestamp());
                if (kept)
                {
                    await client.WriteAsync(buffer.AsMemory(0, filled), ct).ConfigureAwait(false);
                }

                await client.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes every complete event in buffer[0..filled) and returns how many bytes were consumed.</summary>
    private static async ValueTask<int> WriteCompleteEventsAsync(byte[] buffer, int scanFrom, int filled, Stream client, ResponseMeter meter,
        bool sse, bool dropUsageChunk, long now, CancellationToken ct)
    {
        var eventStart = 0;
        var pendingStart = 0; // start of bytes kept but not yet written: contiguous kept events go out in one write
        var i = scanFrom;
        while (i < filled)
        {
            var end = EventEnd(buffer.AsSpan(0, filled), i, sse);
            if (end < 0)
            {
                break;
            }

            if (!Inspect(buffer.AsSpan(eventStart, end - eventStart), meter, sse, dropUsageChunk, now))
            {
                if (eventStart > pendingStart)
                {
                    await client.WriteAsync(buffer.AsMemory(pendingStart, eventStart - pendingStart), ct).ConfigureAwait(false);
                }

                pendingStart = end;
            }

            eventStart = end;
            i = end;
        }

        if (eventStart > pendingStart)
        {
            await client.WriteAsync(buffer.AsMemory(pendingStart, eventStart - pendingStart), ct).ConfigureAwait(false);
        }

        return eventStart;
    }

    /// <summary>The index just past the first event terminator at or after <paramref name="from"/>, or −1.
    /// SSE: a blank line (<c>\n\n</c> or <c>\r\n\r\n</c>); NDJSON: <c>\n</c>.</summary>
    internal static int EventEnd(ReadOnlySpan<byte> data, int from, bool sse)
    {
        for (var i = from; i < data.Length; i++)
        {
            if (data[i] != (byte)'\n')
            {
                continue;
            }

            if (!sse)
            {
                return i + 1;
            }

            if (i + 1 < data.Length && data[i + 1] == (byte)'\n')
            {
                return i + 2;
            }

            if (i + 2 < data.Length && data[i + 1] == (byte)'\r' && data[i + 2] == (byte)'\n')
            {
                return i + 3;
            }
        }

        return -1;
    }

    /// <summary>Measures one event; false when it must not reach the client (the injected usage chunk).</summary>
    private static bool Inspect(ReadOnlySpan<byte> evt, ResponseMeter meter, bool sse, bool dropUsageChunk, long now)
    {
        if (!sse)
        {
            meter.Observe(evt, now);
            return true;
        }

        var usageOnly = false;
        while (evt.Length > 0)
        {
            var newline = evt.IndexOf((byte)'\n');
            var line = newline < 0 ? evt : evt[..newline];
            evt = newline < 0 ? default : evt[(newline + 1)..];
            if (line.StartsWith("data:"u8))
            {
                var payload = line[5..].Trim(" \r"u8);
                if (!payload.SequenceEqual("[DONE]"u8))
                {
                    usageOnly |= meter.Observe(payload, now);
                }
            }
        }

        return !(usageOnly && dropUsageChunk);
    }
}
