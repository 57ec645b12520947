namespace Telemetry.Collector.Windows;

/// <summary>
/// One window's slots for one scope: <see cref="SlotCount"/> slots of <see cref="SlotSeconds"/>
/// each (about 30 per window, so a 1-h window has 2-min slots and memory stays flat whatever the
/// window), plus a little slack for reports that arrive late. An increment measured over
/// [from, to) is spread over the slots it covers in proportion to overlap, so sums are right even
/// when report intervals and slot edges do not line up. Not thread-safe: the owner serialises access.
/// </summary>
public sealed class WindowRing
{
    /// <summary>Extra slots beyond the window, for the settle delay and late reports.</summary>
    public const int SlackSlots = 3;

    // Exactly one of the two holds the slots (see SingleSlot for when single precision is used).
    private readonly Accumulation[]? _slots;
    private readonly SingleSlot[]? _singleSlots;
    private readonly long[] _slotIndex;
    private readonly long _slotMs;
    private long _newestIndex = long.MinValue;

    // The slot last placed into, its start and its position: reports arrive in time order, so most
    // additions land there and need none of the 64-bit divisions below (they were most of an addition).
    private long _hotSlot = long.MinValue;
    private long _hotStartMs = long.MaxValue;
    private int _hotAt;

    /// <param name="slotSeconds">Width of a slot.</param>
    /// <param name="windowSlots">Slots that make up the window.</param>
    /// <param name="singlePrecision">Slots in single precision: for scopes whose slots receive a few reports (a node, a server).</param>
    public WindowRing(int slotSeconds, int windowSlots, bool singlePrecision = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSlots, 1);
        SlotSeconds = slotSeconds;
        SlotCount = windowSlots;
        _slotMs = slotSeconds * 1000L;
        if (singlePrecision)
        {
            _singleSlots = new SingleSlot[windowSlots + SlackSlots];
        }
        else
        {
            _slots = new Accumulation[windowSlots + SlackSlots];
        }

        _slotIndex = new long[windowSlots + SlackSlots];
        Array.Fill(_slotIndex, long.MinValue);
    }

    public int SlotSeconds { get; }

    /// <summary>Slots that make up the window.</summary>
    public int SlotCount { get; }

    /// <summary>
    /// Adds <paramref name="value"/> measured over [<paramref name="fromMs"/>, <paramref name="toMs"/>)
    /// (Unix ms). A zero span lands in the slot containing <c>toMs - 1</c>. Returns the fraction that
    /// was older than the ring holds and was dropped (0 when all landed).
    /// </summary>
    public double Add(long fromMs, long toMs, in Accumulation value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        if (fromMs >= toMs)
        {
            return Place(SlotOf(toMs - 1), value) ? 0 : 1;
        }

        var first = SlotOf(fromMs);
        var last = SlotOf(toMs - 1);
        if (first == last)
        {
            return Place(last, value) ? 0 : 1; // all of it in one slot: the usual case, nothing to split
        }

        var span = (double)(toMs - fromMs);
        var dropped = 0.0;
        var min = Math.Max(first, last - _slotIndex.Length + 1); // older slots would be dropped anyway
        if (min > first)
        {
            dropped = ((min * _slotMs) - fromMs) / span;
        }

        for (var i = min; i <= last; i++)
        {
            var overlap = Math.Min(toMs, (i + 1) * _slotMs) - Math.Max(fromMs, i * _slotMs);
            var fraction = overlap / span;
            if (!Place(i, value.Scaled(fraction)))
            {
                dropped += fraction;
            }
        }

        return dropped;
    }

    /// <summary>Sum of the <paramref name="slots"/> whole slots before slot <paramref name="endSlotExclusive"/>.</summary>
    public Accumulation Sum(long endSlotExclusive, int slots)
    {
        var total = default(Accumulation);
        for (var i = endSlotExclusive - Math.Min(slots, _slotIndex.Length); i < endSlotExclusive; i++)
        {
            var at = Index(i);
            if (_slotIndex[at] == i)
            {
                total.Add(_slots is not null ? _slots[at] : _singleSlots![at].ToAccumulation());
            }
        }

        return total;
    }

    /// <summary>The slot number (Unix time ÷ slot width) a window ending at <paramref name="endMs"/> stops before.</summary>
    public long EndSlot(long endMs) => FloorDiv(endMs, _slotMs);

    private bool Place(long slot, in Accumulation value)
    {
        if (slot + _slotIndex.Length <= _newestIndex)
        {
            return false; // older than anything the ring still holds
        }

        var at = slot == _hotSlot ? _hotAt : Index(slot);
        var reuse = _slotIndex[at] != slot;
        if (reuse)
        {
            if (_slotIndex[at] > slot)
            {
                return false;
            }

            _slotIndex[at] = slot;
        }

        if (_slots is not null)
        {
            if (reuse)
            {
                _slots[at] = default;
            }

            _slots[at].Add(value);
        }
        else
        {
            if (reuse)
            {
                _singleSlots![at] = default;
            }

            _singleSlots![at].Add(value);
        }

        _newestIndex = Math.Max(_newestIndex, slot);
        if (slot != _hotSlot)
        {
            (_hotSlot, _hotStartMs, _hotAt) = (slot, slot * _slotMs, at);
        }

        return true;
    }

    /// <summary>The slot (Unix ms ÷ slot width, rounded down) <paramref name="ms"/> falls in.</summary>
    private long SlotOf(long ms) => ms >= _hotStartMs && ms - _hotStartMs < _slotMs ? _hotSlot : FloorDiv(ms, _slotMs);

    private int Index(long slot) => (int)(((slot % _slotIndex.Length) + _slotIndex.Length) % _slotIndex.Length);

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;
}
