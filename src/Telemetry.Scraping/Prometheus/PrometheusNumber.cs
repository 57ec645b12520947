using System.Buffers;
using System.Globalization;
using System.Text;

namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// Sample values and <c>le</c>/<c>quantile</c> bounds as the text format writes them: Go float syntax
/// (digits, exponents) plus <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, <c>Inf</c>, case-insensitive.
/// Hex floats and digit separators are not accepted.
/// </summary>
internal static class PrometheusNumber
{
    public static bool TryParse(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        var unsigned = text[0] is (byte)'+' or (byte)'-' ? text[1..] : text;
        if (Ascii.EqualsIgnoreCase(unsigned, "inf"u8) || Ascii.EqualsIgnoreCase(unsigned, "infinity"u8))
        {
            value = text[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (Ascii.EqualsIgnoreCase(unsigned, "nan"u8))
        {
            value = double.NaN;
            return true;
        }

        // Only Go float characters: keeps .NET from accepting its own symbols ("∞", culture text).
        foreach (var b in text)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
            {
                return false;
            }
        }

        return double.TryParse(text, NumberStyles.Float & ~NumberStyles.AllowLeadingWhite & ~NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParse(string? text, out double value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[64];
        return Ascii.FromUtf16(text, utf8, out var written) == OperationStatus.Done
            && TryParse(utf8[..written], out value);
    }
}
