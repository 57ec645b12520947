using System.Buffers;
using System.Runtime.InteropServices;

namespace Telemetry.Exposition.Tests.Support;

/// <summary>
/// An <see cref="ArrayPool{T}"/> that hands out fresh arrays, remembers which are out, fails on a double or foreign
/// return, and poisons returned arrays so a reader still using one would see garbage.
/// </summary>
internal sealed class TrackingArrayPool : ArrayPool<byte>
{
    public const byte Poison = (byte)'#';

    private readonly Lock _gate = new();
    private readonly HashSet<byte[]> _outstanding = new(ReferenceEqualityComparer.Instance);
    private int _returns;

    public int OutstandingCount
    {
        get
        {
            lock (_gate)
            {
                return _outstanding.Count;
            }
        }
    }

    public int Returns => Volatile.Read(ref _returns);

    /// <summary>The array behind the first block of a body.</summary>
    public static byte[] ArrayOf(System.Buffers.ReadOnlySequence<byte> body) => ArrayOf(body.First);

    public static byte[] ArrayOf(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment)
            ? segment.Array!
            : throw new InvalidOperationException("Memory is not array-backed.");

    public bool IsOutstanding(byte[] array)
    {
        lock (_gate)
        {
            return _outstanding.Contains(array);
        }
    }

    public override byte[] Rent(int minimumLength)
    {
        byte[] array = new byte[minimumLength];
        lock (_gate)
        {
            _outstanding.Add(array);
        }

        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        lock (_gate)
        {
            if (!_outstanding.Remove(array))
            {
                throw new InvalidOperationException("Array returned twice or never rented from this pool.");
            }
        }

        Array.Fill(array, Poison);
        Interlocked.Increment(ref _returns);
    }
}
