using System.Buffers;
using System.Diagnostics;

namespace Telemetry.Agent.Proxy;

/// <summary>
/// Relays a non-streamed response as it arrives and keeps a copy (up to <see cref="MaxMeasuredBytes"/>)
/// to read <c>usage</c> from at the end. A larger body is still relayed whole, its tokens estimated.
/// </summary>
public static class WholeBodyRelay
{
    /// <summary>A completion's JSON is kilobytes; 8 MiB bounds the copy for pathological ones.</summary>
    public const int MaxMeasuredBytes = 8 << 20;

    public static async Task RelayAsync(Stream upstream, Stream client, ResponseMeter meter, CancellationToken ct)
    {
        var copy = new ArrayBufferWriter<byte>(16 << 10);
        var chunk = ArrayPool<byte>.Shared.Rent(16 << 10);
        var overflow = false;
        try
        {
            int read;
            while ((read = await upstream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                await client.WriteAsync(chunk.AsMemory(0, read), ct).ConfigureAwait(false);
                if (!overflow && copy.WrittenCount + read <= MaxMeasuredBytes)
                {
                    copy.Write(chunk.AsSpan(0, read));
                }
                else
                {
                    overflow = true;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (!overflow)
        {
            meter.Observe(copy.WrittenSpan, Stopwatch.GetTimestamp());
        }
    }
}
