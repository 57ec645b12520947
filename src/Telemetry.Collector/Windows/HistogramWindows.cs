using System.Numerics;
using Telemetry.Collector.Configuration;

namespace Telemetry.Collector.Windows;

/// <summary>
/// One latency histogram (e.g. TTFT) of one scope over every window: per-bucket observation counts
/// per slot, on the scope's reference bounds (those of its first source; sources with other bounds
/// are re-binned, <see cref="HistogramRebinning"/>). Slots are a sixth of each window — coarser than
/// the token slots, because a scope holds four histograms of ~20 buckets and memory must stay small
/// at 100,000 GPUs. Counts are floats: whole observation counts are exact in float up to 2^24 per slot.
/// Not thread-safe: the owner serialises access.
/// </summary>
public sealed class HistogramWindows
{
    /// <summary>Slots per window for histograms (plus one of slack).</summary>
    public const int SlotsPerWindow = 6;

    private readonly Ring[] _rings;

    public HistogramWindows(IReadOnlyList<WindowDuration> windows, double[] bounds)
    {
        Bounds = bounds;
        _rings = new Ring[windows.Count];
        for (var i = 0; i < windows.Count; i++)
        {
            _rings[i] = new Ring(SlotSeconds(windows[i]), bounds.Length + 1);
        }
    }

    /// <summary>The reference finite bounds, ascending.</summary>
    public double[] Bounds { get; }

    /// <summary>Largest divisor of the window that is at most a sixth of it.</summary>
    public static int SlotSeconds(WindowDuration w)
    {
        for (var d = Math.Max(1, w.Seconds / SlotsPerWindow); d > 1; d--)
        {
            if (w.Seconds % d == 0)
            {
                return d;
            }
        }

        return 1;
    }

    /// <summary>Adds per-bucket counts (on <paramref name="bounds"/>, +Inf last) and their sum, measured over [from, to).</summary>
    public void Add(long fromMs, long toMs, double[] bounds, ReadOnlySpan<double> counts, double sum)
    {
        // Converted to float once here, not per window: the rings hold floats.
        scoped ReadOnlySpan<double> onBounds = counts;
        Span<double> rebinned = stackalloc double[Bounds.Length + 1];
        if (!ReferenceEquals(bounds, Bounds) && !bounds.AsSpan().SequenceEqual(Bounds)) // usually the same array (SharedBounds)
        {
            HistogramRebinning.Rebin(bounds, counts, Bounds, rebinned);
            onBounds = rebinned;
        }

        Span<float> onReference = stackalloc float[Bounds.Length + 1];
        for (var i = 0; i < onReference.Length; i++)
        {
            onReference[i] = (float)onBounds[i];
        }

        // Midpoint of the span: observations are events, they land whole in the slot it falls in.
        var midpointMs = fromMs + ((toMs - fromMs) / 2);
        foreach (var ring in _rings)
        {
            ring.Add(midpointMs, onReference, sum);
        }
    }

    /// <summary>
    /// Per-bucket counts (into <paramref name="counts"/>, one per bound plus +Inf) and sum over window
    /// <paramref name="window"/> ending at or before <paramref name="endMs"/>.
    /// </summary>
    public double Read(int window, long endMs, int windowSeconds, Span<double> counts) => _rings[window].Read(endMs, windowSeconds, counts);

    private sealed class Ring
    {
        private readonly int _buckets;
        private readonly long _slotMs;
        private readonly float[] _counts;
        private readonly double[] _sums;
        private readonly long[] _slot;
        private long _newest = long.MinValue;

        // The slot last added to (see WindowRing: most additions land there and need no division).
        private long _hotSlot = long.MinValue;
        private long _hotStartMs = long.MaxValue;
        private int _hotAt;

        public Ring(int slotSeconds, int buckets)
        {
            _buckets = buckets;
            _slotMs = slotSeconds * 1000L;
            _slot = new long[SlotsPerWindow + 1];
            Array.Fill(_slot, long.MinValue);
            _counts = new float[_slot.Length * buckets];
            _sums = new double[_slot.Length];
        }

        public void Add(long atMs, ReadOnlySpan<float> counts, double sum)
        {
            int at;
            long slot;
            if (atMs >= _hotStartMs && atMs - _hotStartMs < _slotMs)
            {
                (slot, at) = (_hotSlot, _hotAt);
            }
            else
            {
                slot = FloorDiv(atMs, _slotMs);
                if (slot + _slot.Length <= _newest)
                {
                    return;
                }

                at = (int)(((slot % _slot.Length) + _slot.Length) % _slot.Length);
                if (_slot[at] != slot)
                {
                    if (_slot[at] > slot)
                    {
                        return;
                    }

                    _counts.AsSpan(at * _buckets, _buckets).Clear();
                    _sums[at] = 0;
                    _slot[at] = slot;
                }

                (_hotSlot, _hotStartMs, _hotAt) = (slot, slot * _slotMs, at);
            }

            TensorAdd(_counts.AsSpan(at * _buckets, _buckets), counts);
            _sums[at] += sum;
            _newest = Math.Max(_newest, slot);
        }

        /// <summary><paramref name="row"/> += <paramref name="counts"/>, a vector at a time (an engine histogram has 10–40 buckets).</summary>
        private static void TensorAdd(Span<float> row, ReadOnlySpan<float> counts)
        {
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    (new Vector<float>(row[i..]) + new Vector<float>(counts[i..])).CopyTo(row[i..]);
                }
            }

            for (; i < row.Length; i++)
            {
                row[i] += counts[i];
            }
        }

        public double Read(long endMs, int windowSeconds, Span<double> counts)
        {
            var end = FloorDiv(endMs, _slotMs);
            var slots = (int)Math.Min(_slot.Length, windowSeconds * 1000L / _slotMs);
            counts = counts[.._buckets];
            counts.Clear();
            var sum = 0.0;
            for (var s = end - slots; s < end; s++)
            {
                var at = (int)(((s % _slot.Length) + _slot.Length) % _slot.Length);
                if (_slot[at] != s)
                {
                    continue;
                }

                var row = _counts.AsSpan(at * _buckets, _buckets);
                for (var i = 0; i < _buckets; i++)
                {
                    counts[i] += row[i];
                }

                sum += _sums[at];
            }

            return sum;
        }

        private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;
    }
}
