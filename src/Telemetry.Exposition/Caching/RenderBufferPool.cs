namespace Telemetry.Exposition;

/// <summary>
/// The buffers of one <see cref="ScrapeCache"/>: keeps the two most recently returned arrays and allocates exact sizes
/// with a little headroom. A fleet-scale exposition is hundreds of megabytes; <see cref="System.Buffers.ArrayPool{T}.Shared"/>
/// would round each to a power of two and keep every size a growing render passed through (and more per core),
/// holding several times the body for the life of the process. Two, because a render written on two threads
/// (<see cref="ExpositionWriter.WriteConcurrently"/>) has two blocks: a collector scraped in one format holds one
/// body's worth between scrapes; a second format's render allocates its own.
/// </summary>
/// <remarks>
/// An array more than an eighth larger than a request is not handed out: the request gets a right-sized one, and the
/// large one is let go once two newer arrays have been returned. So the first render's doubling growth does not stay
/// resident, and a small render (another format's first, growing from 64 KB) does not take — or throw away — the
/// large blocks the other format will ask for again.
/// </remarks>
internal sealed class RenderBufferPool : System.Buffers.ArrayPool<byte>
{
    private const int Retained = 2;

    private readonly Lock _gate = new();
    private readonly byte[]?[] _retained = new byte[Retained][];
    private readonly long[] _returnedAt = new long[Retained];
    private long _returns;

    public override byte[] Rent(int minimumLength)
    {
        lock (_gate)
        {
            // The smallest retained array that fits without being far too large.
            var best = -1;
            for (var i = 0; i < Retained; i++)
            {
                if (_retained[i] is { } array && array.Length >= minimumLength && array.Length - minimumLength <= minimumLength / 8
                    && (best < 0 || array.Length < _retained[best]!.Length))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                var array = _retained[best]!;
                _retained[best] = null;
                return array;
            }
        }

        // 1/64 headroom: the next render still fits when its numbers have a few more digits. A fleet that grew more
        // costs a copy into a block an eighth larger (PooledUtf8Buffer.Grow), once; larger headroom would be held by
        // every render (1/8 was 130 MB at 12,500 nodes).
        var length = (int)Math.Min(Array.MaxLength, minimumLength + ((long)minimumLength / 64));
        return GC.AllocateUninitializedArray<byte>(length);
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_gate)
        {
            // An empty place, else the place returned to longest ago (that array is garbage now).
            var oldest = 0;
            for (var i = 0; i < Retained; i++)
            {
                if (_retained[i] is null)
                {
                    oldest = i;
                    break;
                }

                if (_returnedAt[i] < _returnedAt[oldest])
                {
                    oldest = i;
                }
            }

            _retained[oldest] = array;
            _returnedAt[oldest] = ++_returns;
        }
    }
}
