using System.Numerics;

namespace Telemetry.Exposition;

/// <summary>
/// The shortest decimal digits that read back as the same double, and of those the closest to it (ties to even):
/// Ryū (Ulf Adams, "Ryū: fast float-to-string conversion", PLDI 2018; <c>ulfjack/ryu</c> <c>d2s.c</c>, ported
/// line by line). Go's <c>strconv.FormatFloat(v, 'g', -1, 64)</c> — the exposition's reference — uses the same
/// algorithm, so the digits are Go's.
/// </summary>
/// <remarks>
/// Why not .NET's own "R" formatting: a fleet's <c>/metrics</c> has millions of fractional values per scrape, and
/// formatting them to text and parsing the text back into digits was a third of the render. The lookup tables are
/// computed once from their definition with <see cref="BigInteger"/> instead of being pasted in as ~1,300 constants.
/// </remarks>
internal static class ShortestDigits
{
    private const int MantissaBits = 52;
    private const int ExponentBias = 1023;
    private const int Pow5InvBitCount = 125;
    private const int Pow5BitCount = 125;

    /// <summary>⌈2^k / 5^i⌉ scaled to 125 bits, i &lt; 342 (for e2 ≥ 0); low word at [2i], high word at [2i+1].</summary>
    private static readonly ulong[] Pow5InvSplit = Table(342, inverse: true);

    /// <summary>5^i truncated to its top 125 bits, i &lt; 326 (for e2 &lt; 0); low word at [2i], high word at [2i+1].</summary>
    private static readonly ulong[] Pow5Split = Table(326, inverse: false);

    /// <summary>
    /// For finite, non-zero <paramref name="value"/> (the sign is ignored): |value| ≈ <c>Digits</c> × 10^<c>Exponent</c>,
    /// with <c>Digits</c> as short as any decimal that parses back to <paramref name="value"/>.
    /// </summary>
    public static (ulong Digits, int Exponent) Of(double value)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        ulong ieeeMantissa = bits & ((1UL << MantissaBits) - 1);
        int ieeeExponent = (int)((bits >> MantissaBits) & 0x7FF);

        int e2;
        ulong m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2; // subnormal
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | ieeeMantissa;
        }

        bool acceptBounds = (m2 & 1) == 0;

        // The interval of decimals that read back as the value: [mm, mp] around mv, all times 4 for exactness.
        ulong mv = 4 * m2;
        uint mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;

        ulong vr, vp, vm;
        int e10;
        bool vmIsTrailingZeros = false;
        bool vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            int q = Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            int k = Pow5InvBitCount + Pow5Bits(q) - 1;
            int i = -e2 + q + k;
            vr = MulShiftAll(m2, Pow5InvSplit, q, i, out vp, out vm, mmShift);
            if (q <= 21)
            {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = MultipleOfPowerOf5(mv, q);
                }
                else if (acceptBounds)
                {
                    vmIsTrailingZeros = MultipleOfPowerOf5(mv - 1 - mmShift, q);
                }
                else if (MultipleOfPowerOf5(mv + 2, q))
                {
                    vp--;
                }
            }
        }
        else
        {
            int q = Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            int i = -e2 - q;
            int k = Pow5Bits(i) - Pow5BitCount;
            int j = q - k;
            vr = MulShiftAll(m2, Pow5Split, i, j, out vp, out vm, mmShift);
            if (q <= 1)
            {
                // mv = 4 m2 has at least 2 trailing zero bits, so vr is a multiple of 10^q.
                vrIsTrailingZeros = true;
                if (acceptBounds)
                {
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 63)
            {
                // The full product has at least q trailing zeros iff mv has q trailing zero bits (-e2 ≥ q).
                vrIsTrailingZeros = MultipleOfPowerOf2(mv, q);
            }
        }

        int removed = 0;
        ulong output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // The general case (rare): track whether the removed digits were all zeros.
            int lastRemovedDigit = 0;
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = (int)(vr % 10);
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }

            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = (int)(vr % 10);
                    vr /= 10;
                    vp /= 10;
                    vm /= 10;
                    removed++;
                }
            }

            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
            {
                lastRemovedDigit = 4; // exactly ...50...0: round half to even
            }

            bool outsideBounds = vr == vm && (!acceptBounds || !vmIsTrailingZeros);
            output = vr + (outsideBounds || lastRemovedDigit >= 5 ? 1UL : 0UL);
        }
        else
        {
            // The common case.
            bool roundUp = false;
            if (vp / 100 > vm / 100)
            {
                roundUp = vr % 100 >= 50; // two digits at a time first
                vr /= 100;
                vp /= 100;
                vm /= 100;
                removed += 2;
            }

            while (vp / 10 > vm / 10)
            {
                roundUp = vr % 10 >= 5;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }

            output = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }

        return (output, e10 + removed);
    }

    private static ulong MulShiftAll(ulong m, ulong[] table, int index, int j, out ulong vp, out ulong vm, uint mmShift)
    {
        ulong low = table[2 * index];
        ulong high = table[(2 * index) + 1];
        vp = MulShift64((4 * m) + 2, low, high, j);
        vm = MulShift64((4 * m) - 1 - mmShift, low, high, j);
        return MulShift64(4 * m, low, high, j);
    }

    /// <summary>(m × (high·2^64 + low)) >> j, for 64 ≤ j &lt; 128 — the 192-bit product is never formed whole.</summary>
    private static ulong MulShift64(ulong m, ulong low, ulong high, int j)
    {
        ulong lowHigh = Math.BigMul(m, low, out _);
        ulong highHigh = Math.BigMul(m, high, out ulong highLow);
        var sum = new UInt128(highHigh, highLow) + lowHigh;
        return (ulong)(sum >> (j - 64));
    }

    /// <summary>⌈log2 5^e⌉ (1 for e = 0), exact for 0 ≤ e ≤ 3528.</summary>
    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    /// <summary>⌊log10 2^e⌋, exact for 0 ≤ e ≤ 1650.</summary>
    private static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    /// <summary>⌊log10 5^e⌋, exact for 0 ≤ e ≤ 2620.</summary>
    private static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);

    private static bool MultipleOfPowerOf5(ulong value, int p)
    {
        int count = 0;
        while (value > 0 && value % 5 == 0)
        {
            value /= 5;
            count++;
        }

        return count >= p;
    }

    private static bool MultipleOfPowerOf2(ulong value, int p) => (value & ((1UL << p) - 1)) == 0;

    private static ulong[] Table(int size, bool inverse)
    {
        var table = new ulong[2 * size];
        var mask = (BigInteger.One << 64) - 1;
        for (int i = 0; i < size; i++)
        {
            BigInteger pow = BigInteger.Pow(5, i);
            int length = (int)pow.GetBitLength();
            BigInteger entry;
            if (inverse)
            {
                entry = (BigInteger.One << (length - 1 + Pow5InvBitCount)) / pow + 1;
            }
            else
            {
                int shift = length - Pow5BitCount;
                entry = shift >= 0 ? pow >> shift : pow << -shift;
            }

            table[2 * i] = (ulong)(entry & mask);
            table[(2 * i) + 1] = (ulong)(entry >> 64);
        }

        return table;
    }
}
