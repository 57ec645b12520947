using System.Buffers.Text;
using System.Diagnostics;

namespace Telemetry.Exposition;

/// <summary>
/// Writes a <see cref="double"/> as UTF-8 exactly like Go's <c>strconv.FormatFloat(v, 'g', -1, 64)</c>,
/// which is what the reference exposers (prometheus/common <c>expfmt/text_create.go</c> <c>writeFloat</c>,
/// <c>openmetrics_create.go</c> <c>writeOpenMetricsFloat</c>) emit: the shortest text that round-trips,
/// exponent form when the decimal exponent is &lt; -4 or ≥ 6 (<c>1e+06</c>, <c>1e-05</c>), and
/// <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>. Both zeros are written as <c>0</c> (as <c>writeFloat</c> does).
/// Never culture-dependent.
/// </summary>
/// <remarks>
/// OpenMetrics additionally appends <c>.0</c> when the text has neither a point nor an exponent: the spec's
/// "Canonical Numbers" section asks for Go's <c>%g</c> "with a .0 appended" for <c>le</c> label values,
/// and the Go OpenMetrics encoder renders every float that way.
/// </remarks>
internal static class GoFloat
{
    /// <summary>Longest output: sign, 17 digits, point, <c>e-324</c>, <c>.0</c> — 32 leaves headroom.</summary>
    public const int MaxLength = 32;

    /// <summary>
    /// Go switches <c>%g</c> to exponent form at exponent 6 for shortest formatting
    /// (Go <c>strconv/ftoa.go</c>: "if precision was the shortest possible, use precision 6 for this decision").
    /// </summary>
    private const int ExponentThreshold = 6;

    /// <summary>Integers below 10^6 print as plain integers in Go's shortest <c>%g</c>; cheap fast path.</summary>
    private const double PlainIntegerLimit = 1e6;

    /// <summary>
    /// Below 2^53 every integer is a double and its neighbours are at most 1 away, so its shortest round-trip digits are
    /// exactly its decimal digits without trailing zeros: byte counters, token totals and Unix timestamps need no
    /// general shortest-digits search (which costs several times more).
    /// </summary>
    private const double ExactIntegerLimit = 9007199254740992; // 2^53

    public static int Format(double value, Span<byte> destination, bool openMetrics)
    {
        Debug.Assert(destination.Length >= MaxLength);

        if (double.IsNaN(value))
        {
            "NaN"u8.CopyTo(destination);
            return 3;
        }

        if (double.IsInfinity(value))
        {
            (value > 0 ? "+Inf"u8 : "-Inf"u8).CopyTo(destination);
            return 4;
        }

        int written;
        if (Math.Abs(value) < PlainIntegerLimit && value == Math.Floor(value))
        {
            // (long)-0.0 == 0, so negative zero prints "0" like Go's writeFloat.
            bool ok = Utf8Formatter.TryFormat((long)value, destination, out written);
            Debug.Assert(ok);
        }
        else if (Math.Abs(value) < ExactIntegerLimit && value == Math.Floor(value))
        {
            written = FormatLargeInteger((long)value, destination);
        }
        else
        {
            written = FormatGeneral(value, destination);
        }

        if (openMetrics && destination[..written].IndexOfAny((byte)'.', (byte)'e') < 0)
        {
            ".0"u8.CopyTo(destination[written..]);
            written += 2;
        }

        return written;
    }

    /// <summary>An integer from 10^6 to 2^53 in Go's exponent form: <c>1.234567e+06</c>, <c>8e+10</c>.</summary>
    internal static int FormatLargeInteger(long value, Span<byte> destination)
    {
        Span<byte> digits = stackalloc byte[MaxLength];
        bool ok = Utf8Formatter.TryFormat(Math.Abs(value), digits, out int digitCount);
        Debug.Assert(ok && digitCount > ExponentThreshold);
        return LayOut(digits, digitCount, pointPosition: digitCount, value < 0, destination);
    }

    /// <summary>Lays out the shortest round-trip digits (<see cref="ShortestDigits"/>, Ryū — what Go uses) the Go way.</summary>
    internal static int FormatGeneral(double value, Span<byte> destination)
    {
        var (decimalDigits, exponent) = ShortestDigits.Of(value);
        Span<byte> digits = stackalloc byte[MaxLength];
        bool ok = Utf8Formatter.TryFormat(decimalDigits, digits, out int digitCount);
        Debug.Assert(ok);
        return LayOut(digits, digitCount, exponent + digitCount, value < 0, destination);
    }

    /// <summary>Writes ±0.d1d2..dn × 10^<paramref name="pointPosition"/> as Go's <c>%g</c> does (trailing zeros dropped).</summary>
    private static int LayOut(Span<byte> digits, int digitCount, int pointPosition, bool negative, Span<byte> destination)
    {
        while (digitCount > 1 && digits[digitCount - 1] == (byte)'0')
        {
            digitCount--;
        }

        Debug.Assert(digitCount > 0, "zero is handled by the integer path");
        int pos = 0;
        if (negative)
        {
            destination[pos++] = (byte)'-';
        }

        int decimalExponent = pointPosition - 1;
        if (decimalExponent < -4 || decimalExponent >= ExponentThreshold)
        {
            // %e: d.ddde±XX with at least two exponent digits (Go strconv fmtE).
            destination[pos++] = digits[0];
            if (digitCount > 1)
            {
                destination[pos++] = (byte)'.';
                digits[1..digitCount].CopyTo(destination[pos..]);
                pos += digitCount - 1;
            }

            destination[pos++] = (byte)'e';
            destination[pos++] = decimalExponent < 0 ? (byte)'-' : (byte)'+';
            int magnitude = Math.Abs(decimalExponent);
            if (magnitude < 10)
            {
                destination[pos++] = (byte)'0';
            }

            bool ok = Utf8Formatter.TryFormat(magnitude, destination[pos..], out int exponentLength);
            Debug.Assert(ok);
            return pos + exponentLength;
        }

        // %f with exactly the digits needed (Go strconv fmtF).
        if (pointPosition > 0)
        {
            for (int d = 0; d < pointPosition; d++)
            {
                destination[pos++] = d < digitCount ? digits[d] : (byte)'0';
            }
        }
        else
        {
            destination[pos++] = (byte)'0';
        }

        if (digitCount > pointPosition)
        {
            destination[pos++] = (byte)'.';
            for (int d = pointPosition; d < digitCount; d++)
            {
                destination[pos++] = d < 0 ? (byte)'0' : digits[d];
            }
        }

        return pos;
    }
}
