using System.Globalization;

namespace Telemetry.Exposition;

/// <summary>
/// A span-based reader of an HTTP <c>Accept</c> header (RFC 9110 §12.5.1) that extracts just the two preferences
/// negotiation needs. Any syntax error makes the whole header unusable (the caller falls back to text) rather than
/// guessing at the sender's intent. Quoted parameter values are unquoted but may not contain <c>,</c> or <c>;</c>.
/// </summary>
internal static class AcceptHeader
{
    /// <summary>
    /// Returns the highest q of a servable OpenMetrics range and the highest q of a range accepting our text
    /// (0 when absent), or <see langword="false"/> when the header is malformed.
    /// </summary>
    public static bool TryReadPreferences(ReadOnlySpan<char> header, out double openMetrics, out double text)
    {
        openMetrics = 0;
        text = 0;
        foreach (Range rangeBounds in header.Split(','))
        {
            ReadOnlySpan<char> range = header[rangeBounds].Trim();
            if (range.IsEmpty)
            {
                continue; // RFC 9110 §5.6.1: recipients accept and ignore empty list elements.
            }

            if (!TryReadRange(range, out MediaKind kind, out double quality))
            {
                return false;
            }

            if (kind == MediaKind.OpenMetrics100)
            {
                openMetrics = Math.Max(openMetrics, quality);
            }
            else if (kind == MediaKind.Text)
            {
                text = Math.Max(text, quality);
            }
        }

        return true;
    }

    private static bool TryReadRange(ReadOnlySpan<char> range, out MediaKind kind, out double quality)
    {
        kind = MediaKind.Other;
        quality = 1;
        bool isOpenMetrics = false;
        bool openMetricsVersionServable = true;
        bool first = true;
        foreach (Range partBounds in range.Split(';'))
        {
            ReadOnlySpan<char> part = range[partBounds].Trim();
            if (first)
            {
                first = false;
                if (!TryReadMediaType(part, out kind, out isOpenMetrics))
                {
                    return false;
                }

                continue;
            }

            int equals = part.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            ReadOnlySpan<char> name = part[..equals].TrimEnd();
            ReadOnlySpan<char> value = Unquote(part[(equals + 1)..].TrimStart());
            if (!IsToken(name) || value.IsEmpty && part[^1] != '"')
            {
                return false;
            }

            if (name.Equals("q", StringComparison.OrdinalIgnoreCase))
            {
                if (!TryParseQuality(value, out quality))
                {
                    return false;
                }
            }
            else if (isOpenMetrics && name.Equals("version", StringComparison.OrdinalIgnoreCase))
            {
                openMetricsVersionServable = value.SequenceEqual("1.0.0");
            }
        }

        if (isOpenMetrics)
        {
            kind = openMetricsVersionServable ? MediaKind.OpenMetrics100 : MediaKind.Other;
        }

        return true;
    }

    private static bool TryReadMediaType(ReadOnlySpan<char> mediaType, out MediaKind kind, out bool isOpenMetrics)
    {
        kind = MediaKind.Other;
        isOpenMetrics = false;
        int slash = mediaType.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        ReadOnlySpan<char> type = mediaType[..slash];
        ReadOnlySpan<char> subtype = mediaType[(slash + 1)..];
        if (!IsToken(type) || !IsToken(subtype))
        {
            return false;
        }

        if (type.Equals("application", StringComparison.OrdinalIgnoreCase)
            && subtype.Equals("openmetrics-text", StringComparison.OrdinalIgnoreCase))
        {
            isOpenMetrics = true;
        }
        else if ((type.Equals("text", StringComparison.OrdinalIgnoreCase)
                && (subtype.Equals("plain", StringComparison.OrdinalIgnoreCase) || subtype.SequenceEqual("*")))
            || (type.SequenceEqual("*") && subtype.SequenceEqual("*")))
        {
            kind = MediaKind.Text;
        }

        return true;
    }

    /// <summary>RFC 9110 §12.4.2 qvalue: <c>0[.ddd]</c> or <c>1[.000]</c>.</summary>
    private static bool TryParseQuality(ReadOnlySpan<char> value, out double quality)
    {
        quality = 0;
        if (value.IsEmpty || value.Length > 5 || value[0] is not ('0' or '1')
            || (value.Length > 1 && (value[1] != '.' || !IsDigits(value[2..]))))
        {
            return false;
        }

        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out quality))
        {
            return false;
        }

        return quality <= 1;
    }

    private static bool IsDigits(ReadOnlySpan<char> value)
    {
        foreach (char c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    /// <summary>RFC 9110 §5.6.2 token characters.</summary>
    private static bool IsToken(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "!#$%&'*+-.^_`|~".IndexOf(c) < 0)
            {
                return false;
            }
        }

        return true;
    }

    private enum MediaKind
    {
        Other,
        Text,
        OpenMetrics100,
    }
}
