namespace Telemetry.Exposition;

/// <summary>
/// The buffers of one <see cref="ScrapeCache"/>: keeps the two largest returned arrays only, allocates exact sizes
/// with some headroom, and lets go of an array more than half as large again as a render asks for. A fleet-scale exposition is hundreds of megabytes; <see cref="System.Buffers.ArrayPool{T}.Shared"/>
/// would round each to a power of two and keep every size a growing render passed through (and more per core),
/// holding several times the body for the life of the process. Two, because a render written on two threads
/// (<see cref="ExpositionWriter.WriteConcurrently"/>) has two blocks: a collector scraped in one format holds one
/// body's worth between scrapes; a second format's render allocates its own.
/// </summary>
internal sealed class RenderBufferPool : System.Buffers.ArrayPool<byte>
{
    private const int Retained = 2;

    private readonly Lock _gate = new();
    private readonly byte[]?[] _retained = new byte[Retained][];

    public override byte[] Rent(int minimumLength)
    {
        lock (_gate)
        {
            // The smallest retained array that fits, so the larger one stays for the larger block.
            var best = -1;
            for (var i = 0; i < Retained; i++)
            {
                if (_retained[i] is { } array && array.Length >= minimumLength && (best < 0 || array.Length < _retained[best]!.Length))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                var array = _retained[best]!;
                _retained[best] = null;
                if (array.Length - minimumLength <= minimumLength / 2)
                {
                    return array;
                }

                // Far too large: left over from a first render's doubling growth, or from a larger fleet. Holding it
                // would keep up to twice the body resident for good; a right-sized one replaces it from now on.
            }
        }

        // 1/8 headroom: the next render of a slowly growing fleet still fits.
        var length = (int)Math.Min(Array.MaxLength, minimumLength + ((long)minimumLength / 8));
        return GC.AllocateUninitializedArray<byte>(length);
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_gate)
        {
            // Fill an empty place, else replace the smallest retained array if this one is larger (that one is garbage now).
            var smallest = 0;
            for (var i = 0; i < Retained; i++)
            {
                if (_retained[i] is null)
                {
                    _retained[i] = array;
                    return;
                }

                if (_retained[i]!.Length < _retained[smallest]!.Length)
                {
                    smallest = i;
                }
            }

            if (array.Length > _retained[smallest]!.Length)
            {
                _retained[smallest] = array;
            }
        }
    }
}
