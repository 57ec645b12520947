using System.Globalization;
using System.Text;

namespace Telemetry.Exposition.Tests.Support;

/// <summary>
/// A deliberately naive, string-based exposition writer: the oracle for the property test. It shares no code with the
/// fast writer: strings are escaped with <see cref="string.Replace(string, string)"/>, and numbers find their
/// shortest round-trip digits by brute force over <c>"E"</c> precisions, then are laid out by Go's <c>%g</c> rules.
/// </summary>
internal sealed class ReferenceWriter(bool openMetrics)
{
    private readonly StringBuilder _text = new();
    private string _family = "";
    private MetricType _type;
    private bool _finished;

    public void BeginFamily(string name, MetricType type, string help)
    {
        _family = name;
        _type = type;
        string exposed = type == MetricType.Counter && !openMetrics ? name + "_total" : name;
        string typeLine = "# TYPE " + exposed + " " + type.ToString().ToLowerInvariant() + "\n";
        string helpLine = "# HELP " + exposed + " " + EscapeHelp(help) + "\n";
        _text.Append(openMetrics ? typeLine + helpLine : helpLine + typeLine);
    }

    public void WriteSample(Label[] labels, double value) =>
        Line(_family + (_type == MetricType.Counter ? "_total" : ""), labels, null, value);

    public void WriteHistogram(Label[] labels, double[] bounds, double[] cumulative, double count, double sum)
    {
        for (int i = 0; i < bounds.Length; i++)
        {
            Line(_family + "_bucket", labels, Number(bounds[i]), cumulative[i]);
        }

        Line(_family + "_bucket", labels, "+Inf", count);
        Line(_family + "_sum", labels, null, sum);
        Line(_family + "_count", labels, null, count);
    }

    public void Finish()
    {
        if (openMetrics && !_finished)
        {
            _text.Append("# EOF\n");
        }

        _finished = true;
    }

    public byte[] ToUtf8() => Encoding.UTF8.GetBytes(_text.ToString());

    /// <summary>Go <c>strconv.FormatFloat(v, 'g', -1, 64)</c>; zero of either sign is "0"; OpenMetrics adds ".0" to integers.</summary>
    public static string FormatNumber(double value, bool openMetrics)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        string text = value == 0 ? "0" : GoShortestG(value);
        return openMetrics && !text.Contains('.', StringComparison.Ordinal) && !text.Contains('e', StringComparison.Ordinal)
            ? text + ".0"
            : text;
    }

    private string Number(double value) => FormatNumber(value, openMetrics);

    private void Line(string name, Label[] labels, string? le, double value)
    {
        var parts = labels.Select(l => l.Name + "=\"" + EscapeLabelValue(l.Value) + "\"").ToList();
        if (le is not null)
        {
            parts.Add("le=\"" + le + "\"");
        }

        string labelText = parts.Count == 0 ? "" : "{" + string.Join(",", parts) + "}";
        _text.Append(name + labelText + " " + Number(value) + "\n");
    }

    private static string EscapeLabelValue(string? value) =>
        (value ?? "").Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    private string EscapeHelp(string help)
    {
        string escaped = help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return openMetrics ? escaped.Replace("\"", "\\\"", StringComparison.Ordinal) : escaped;
    }

    private static string GoShortestG(double value)
    {
        string scientific = "";
        for (int precision = 1; precision <= 17; precision++)
        {
            scientific = Math.Abs(value).ToString("E" + (precision - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (double.Parse(scientific, CultureInfo.InvariantCulture) == Math.Abs(value))
            {
                break;
            }
        }

        // "1.2345E+005" -> digits "12345", exponent 5.
        string[] halves = scientific.Split('E');
        string digits = halves[0].Replace(".", "", StringComparison.Ordinal).TrimEnd('0');
        digits = digits.Length == 0 ? "0" : digits;
        int exponent = int.Parse(halves[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

        string body;
        if (exponent < -4 || exponent >= 6)
        {
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            body = mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (exponent >= 0)
        {
            string padded = digits.PadRight(exponent + 1, '0');
            string integer = padded[..(exponent + 1)];
            string fraction = padded[(exponent + 1)..];
            body = fraction.Length == 0 ? integer : integer + "." + fraction;
        }
        else
        {
            body = "0." + new string('0', -exponent - 1) + digits;
        }

        return (value < 0 ? "-" : "") + body;
    }
}
