namespace Telemetry.Collector.Windows;

/// <summary>
/// Per-second slots of one scope's increments, covering the longest window plus a margin for late
/// reports. An increment measured over [from, to) is spread over the seconds it covers in
/// proportion to overlap, so a window's sum is right even when report intervals and window edges
/// do not line up. Not thread-safe: the owner serialises access.
/// Non-goal: sub-second resolution; windows are whole seconds.
/// </summary>
public sealed class WindowRing
{
    private readonly Accumulation[] _slots;
    private readonly long[] _slotSecond;
    private long _newestSecond = long.MinValue;
    private long _startMs = long.MinValue;

    public WindowRing(int capacitySeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacitySeconds, 2);
        _slots = new Accumulation[capacitySeconds];
        _slotSecond = new long[capacitySeconds];
        Array.Fill(_slotSecond, long.MinValue);
    }

    public int CapacitySeconds => _slots.Length;

    /// <summary>
    /// The first whole second from which every input of this scope has data, or null before any
    /// data. Windows of a young scope start here: a partly covered first second, or a second in
    /// which energy was measured but a server's tokens not yet, would bias the ratio.
    /// </summary>
    public long? FirstFullSecond => _startMs == long.MinValue ? null : (long)Math.Ceiling(_startMs / 1000.0);

    /// <summary>Records that an input (a GPU set's energy, a server's tokens) contributes from <paramref name="fromMs"/> on.</summary>
    public void NoteInputStart(long fromMs) => _startMs = Math.Max(_startMs, fromMs);

    /// <summary>
    /// Adds <paramref name="value"/> measured over [<paramref name="fromMs"/>, <paramref name="toMs"/>)
    /// (Unix ms). A zero or negative span lands in the second containing <c>toMs - 1</c>.
    /// Returns the fraction that was too old for the ring and was dropped (0 when all landed).
    /// </summary>
    public double Add(long fromMs, long toMs, in Accumulation value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        if (_startMs == long.MinValue)
        {
            _startMs = Math.Min(fromMs, toMs);
        }

        if (fromMs >= toMs)
        {
            return Place(FloorSecond(toMs - 1), value) ? 0 : 1;
        }

        var span = (double)(toMs - fromMs);
        var dropped = 0.0;
        var firstSecond = FloorSecond(fromMs);
        var lastSecond = FloorSecond(toMs - 1);
        // Seconds older than the ring would be dropped anyway; skip the loop over them.
        var minSecond = Math.Max(firstSecond, lastSecond - _slots.Length + 1);
        if (minSecond > firstSecond)
        {
            dropped = (minSecond * 1000L - fromMs) / span;
        }

        for (var s = minSecond; s <= lastSecond; s++)
        {
            var overlap = Math.Min(toMs, (s + 1) * 1000L) - Math.Max(fromMs, s * 1000L);
            var fraction = overlap / span;
            if (!Place(s, value.Scaled(fraction)))
            {
                dropped += fraction;
            }
        }

        return dropped;
    }

    /// <summary>Sum of the seconds in [<paramref name="endSecondExclusive"/> − <paramref name="seconds"/>, end).</summary>
    public Accumulation Sum(long endSecondExclusive, int seconds)
    {
        var total = default(Accumulation);
        var start = endSecondExclusive - Math.Min(seconds, _slots.Length);
        for (var s = start; s < endSecondExclusive; s++)
        {
            var i = Index(s);
            if (_slotSecond[i] == s)
            {
                total.Add(_slots[i]);
            }
        }

        return total;
    }

    private bool Place(long second, in Accumulation value)
    {
        if (second + _slots.Length <= _newestSecond)
        {
            return false; // older than anything the ring still holds
        }

        var i = Index(second);
        if (_slotSecond[i] != second)
        {
            if (_slotSecond[i] > second)
            {
                return false; // the slot already holds a newer second
            }

            _slots[i] = default;
            _slotSecond[i] = second;
        }

        _slots[i].Add(value);
        _newestSecond = Math.Max(_newestSecond, second);
        return true;
    }

    private int Index(long second) => (int)(((second % _slots.Length) + _slots.Length) % _slots.Length);

    private static long FloorSecond(long ms) => (long)Math.Floor(ms / 1000.0);
}
