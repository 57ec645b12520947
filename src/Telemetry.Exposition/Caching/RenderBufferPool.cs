namespace Telemetry.Exposition;

/// <summary>
/// The buffers of one <see cref="ScrapeCache"/>: keeps the largest returned array only and allocates exact sizes
/// with some headroom. A fleet-scale exposition is hundreds of megabytes; <see cref="System.Buffers.ArrayPool{T}.Shared"/>
/// would round each to a power of two and keep every size a growing render passed through (and more per core),
/// holding several times the body for the life of the process. With one retained array, a collector scraped in one
/// format holds one body's worth between scrapes; a second format's render allocates its own.
/// </summary>
internal sealed class RenderBufferPool : System.Buffers.ArrayPool<byte>
{
    private readonly Lock _gate = new();
    private byte[]? _retained;

    public override byte[] Rent(int minimumLength)
    {
        lock (_gate)
        {
            if (_retained is { } array && array.Length >= minimumLength)
            {
                _retained = null;
                return array;
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
            if (_retained is null || array.Length > _retained.Length)
            {
                _retained = array; // the smaller one, if any, is garbage now
            }
        }
    }
}
