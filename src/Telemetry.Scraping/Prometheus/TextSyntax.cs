using System.Text;

namespace Telemetry.Scraping.Prometheus;

/// <summary>Character classes and tokenizing of the text exposition format, on UTF-8 bytes.</summary>
internal static class TextSyntax
{
    /// <summary>Length of the metric name at the start: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static int MetricNameLength(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (i < text.Length && (IsNameStart(text[i]) || text[i] == (byte)':' || (i > 0 && IsDigit(text[i]))))
        {
            i++;
        }

        return i;
    }

    /// <summary>Length of the label name at the start: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static int LabelNameLength(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (i < text.Length && (IsNameStart(text[i]) || (i > 0 && IsDigit(text[i]))))
        {
            i++;
        }

        return i;
    }

    public static bool IsNameStart(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (byte)'_';

    public static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    public static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t';

    public static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (i < text.Length && IsBlank(text[i]))
        {
            i++;
        }

        return text[i..];
    }

    public static ReadOnlySpan<byte> TakeToken(ref ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (i < text.Length && !IsBlank(text[i]))
        {
            i++;
        }

        var token = text[..i];
        text = text[i..];
        return token;
    }

    /// <summary>A short, printable excerpt of offending input for error messages.</summary>
    public static string Show(ReadOnlySpan<byte> text)
    {
        const int MaxShown = 40; // Enough to recognise the spot; keeps error strings small.
        var shown = text.Length > MaxShown ? text[..MaxShown] : text;
        var s = Encoding.UTF8.GetString(shown);
        return text.Length > MaxShown ? s + "…" : s;
    }
}
