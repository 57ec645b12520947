using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace Telemetry.Exposition;

/// <summary>
/// One growable byte buffer rented from an <see cref="ArrayPool{T}"/>: appends ASCII, numbers and escaped UTF-8
/// in place. Growth doubles and returns the old array; <see cref="Dispose"/> returns the current one.
/// Not thread-safe; owned by exactly one <see cref="ExpositionWriter"/>.
/// </summary>
internal sealed class PooledUtf8Buffer : IDisposable
{
    /// <summary>Small enough to be cheap, large enough that a one-family payload never regrows.</summary>
    private const int MinimumCapacity = 256;

    /// <summary>A start at least this large is a size hint from an earlier render (see <see cref="Grow"/>).</summary>
    private const int HintedCapacity = 1 << 20;

    private readonly ArrayPool<byte> _pool;
    private readonly int _initialCapacity;
    private bool _grownPastHint;
    private byte[]? _array;
    private int _length;

    public PooledUtf8Buffer(ArrayPool<byte> pool, int initialCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        _pool = pool;
        _initialCapacity = initialCapacity;
        _array = pool.Rent(Math.Max(initialCapacity, MinimumCapacity));
    }

    public ReadOnlyMemory<byte> WrittenMemory => Current.AsMemory(0, _length);

    private byte[] Current => _array ?? throw new ObjectDisposedException(nameof(ExpositionWriter));

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    public void Write(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    /// <summary>Copies a name already validated as ASCII (see <see cref="MetricNames"/>).</summary>
    public void WriteAscii(string validatedName)
    {
        OperationStatus status = Ascii.FromUtf16(validatedName, GetSpan(validatedName.Length), out int written);
        Debug.Assert(status == OperationStatus.Done);
        _length += written;
    }

    /// <summary>Counts <paramref name="count"/> bytes written into the last <see cref="GetSpan"/> as written.</summary>
    public void Advance(int count)
    {
        Debug.Assert(count >= 0 && _length + count <= Current.Length);
        _length += count;
    }

    /// <summary>
    /// Encodes <paramref name="text"/> as UTF-8 (lone surrogates become U+FFFD, the replacement fallback of
    /// <see cref="Encoding.UTF8"/>) and backslash-escapes every byte in <paramref name="escaped"/>: a line feed
    /// becomes <c>\n</c>, any other listed byte gets a backslash in front of it.
    /// </summary>
    /// <remarks>
    /// Encode first, then scan bytes: the common case (nothing to escape) costs one vectorised
    /// <see cref="MemoryExtensions.IndexOfAny{T}(ReadOnlySpan{T}, SearchValues{T})"/>. When escapes exist, the tail is
    /// shifted right in place, walking backwards, so no scratch buffer is needed.
    /// </remarks>
    public void WriteEscapedUtf8(string? text, SearchValues<byte> escaped)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        int start = _length;
        int encoded = Encoding.UTF8.GetBytes(text, GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        _length += encoded;

        ReadOnlySpan<byte> value = Current.AsSpan(start, encoded);
        int first = value.IndexOfAny(escaped);
        if (first < 0)
        {
            return;
        }

        int extra = 0;
        ReadOnlySpan<byte> rest = value[first..];
        int next;
        while ((next = rest.IndexOfAny(escaped)) >= 0)
        {
            extra++;
            rest = rest[(next + 1)..];
        }

        GetSpan(extra);
        byte[] array = Current;
        int read = _length - 1;
        int write = read + extra;
        int stop = start + first;
        while (read >= stop)
        {
            byte b = array[read--];
            if (!escaped.Contains(b))
            {
                array[write--] = b;
                continue;
            }

            array[write--] = b == (byte)'\n' ? (byte)'n' : b;
            array[write--] = (byte)'\\';
        }

        Debug.Assert(write == read, "every reserved byte was used");
        _length += extra;
    }

    public void Dispose()
    {
        byte[]? array = _array;
        _array = null;
        if (array is not null)
        {
            _pool.Return(array);
        }
    }

    /// <summary>Returns writable space of at least <paramref name="sizeHint"/> bytes after the written data.</summary>
    /// <remarks>Callers that write several pieces at once ask once, then <see cref="Advance"/> by what they wrote.</remarks>
    public Span<byte> GetSpan(int sizeHint)
    {
        byte[] array = Current;
        if (array.Length - _length < sizeHint)
        {
            array = Grow(array, sizeHint);
        }

        return array.AsSpan(_length);
    }

    /// <summary>
    /// Doubles, except the first time a large start that came from an earlier render's size is outgrown: then the body
    /// is usually only a little larger than last time (a fleet grew), and an eighth more is enough. Doubling a 600 MB
    /// block there would hold 1.2 GB more for one render, which is why the render pool could otherwise not keep its
    /// headroom small. Later growth doubles again, so a body many times its hint still costs a few copies, not dozens.
    /// </summary>
    private byte[] Grow(byte[] current, int sizeHint)
    {
        long needed = (long)_length + sizeHint;
        bool firstPastHint = _initialCapacity >= HintedCapacity && !_grownPastHint;
        _grownPastHint |= firstPastHint;
        long grown = Math.Max((long)current.Length + (firstPastHint ? current.Length / 8 : current.Length), needed);
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException("The exposition exceeds the largest possible byte array.");
        }

        byte[] bigger = _pool.Rent((int)Math.Min(grown, Array.MaxLength));
        current.AsSpan(0, _length).CopyTo(bigger);
        _array = bigger;
        _pool.Return(current);
        return bigger;
    }
}
