using System.Globalization;
using System.Text;

namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// Lexes one line (already split, without its line break) into the <see cref="PayloadBuilder"/>.
/// Returns null when the line is accepted, or the reason it is not. Single forward pass: no
/// backtracking, so no input can make it loop.
/// </summary>
internal static class LineParser
{
    public static string? Parse(ReadOnlySpan<byte> line, PayloadBuilder builder, out bool endOfFile)
    {
        endOfFile = false;
        line = TextSyntax.TrimStart(line);
        if (line.IsEmpty)
        {
            return null;
        }

        return line[0] == (byte)'#'
            ? ParseComment(line[1..], builder, out endOfFile)
            : ParseSample(line, builder);
    }

    private static string? ParseComment(ReadOnlySpan<byte> text, PayloadBuilder builder, out bool endOfFile)
    {
        endOfFile = false;
        text = TextSyntax.TrimStart(text);
        var keyword = TextSyntax.TakeToken(ref text);
        if (keyword.SequenceEqual("EOF"u8))
        {
            endOfFile = true;
            return null;
        }

        var isHelp = keyword.SequenceEqual("HELP"u8);
        var isType = keyword.SequenceEqual("TYPE"u8);
        if (!isHelp && !isType && !keyword.SequenceEqual("UNIT"u8))
        {
            return null; // Any other comment is free text.
        }

        text = TextSyntax.TrimStart(text);
        var name = TextSyntax.TakeToken(ref text);
        var nameLength = TextSyntax.MetricNameLength(name);
        if (name.IsEmpty || nameLength != name.Length)
        {
            return $"# {Encoding.ASCII.GetString(keyword)} needs a valid metric name, found '{TextSyntax.Show(name)}'";
        }

        var metricName = builder.Strings.Intern(name);
        text = TextSyntax.TrimStart(text);
        if (isHelp)
        {
            return builder.DeclareHelp(metricName, builder.Strings.InternEscaped(text, quoteEscapes: false));
        }

        if (!isType)
        {
            return null; // UNIT: the unit is already in the name by convention; nothing to keep.
        }

        var typeWord = TextSyntax.TakeToken(ref text);
        if (!TryParseType(typeWord, out var type))
        {
            return $"unknown metric type '{TextSyntax.Show(typeWord)}' for '{metricName}'";
        }

        return TextSyntax.TrimStart(text).IsEmpty
            ? builder.DeclareType(metricName, type)
            : $"unexpected text after the type in # TYPE {metricName}";
    }

    private static string? ParseSample(ReadOnlySpan<byte> line, PayloadBuilder builder)
    {
        var nameLength = TextSyntax.MetricNameLength(line);
        if (nameLength == 0)
        {
            return $"expected a metric name, found '{TextSyntax.Show(line)}'";
        }

        var name = builder.Strings.Intern(line[..nameLength]);
        var rest = line[nameLength..];
        builder.Labels.Clear();
        if (!rest.IsEmpty && rest[0] == (byte)'{')
        {
            var reason = ParseLabels(ref rest, builder);
            if (reason is not null)
            {
                return reason;
            }
        }
        else if (!rest.IsEmpty && !TextSyntax.IsBlank(rest[0]))
        {
            return $"unexpected character '{TextSyntax.Show(rest[..1])}' after metric name '{name}'";
        }

        rest = TextSyntax.TrimStart(rest);
        var valueText = TextSyntax.TakeToken(ref rest);
        if (valueText.IsEmpty)
        {
            return $"sample '{name}' has no value";
        }

        if (!PrometheusNumber.TryParse(valueText, out var value))
        {
            return $"sample '{name}' has an invalid value '{TextSyntax.Show(valueText)}'";
        }

        rest = TextSyntax.TrimStart(rest);
        if (!rest.IsEmpty && rest[0] != (byte)'#')
        {
            // Optional timestamp (integer ms in 0.0.4, float seconds in OpenMetrics): checked, not kept.
            var timestamp = TextSyntax.TakeToken(ref rest);
            if (!PrometheusNumber.TryParse(timestamp, out _))
            {
                return $"sample '{name}' has an invalid timestamp '{TextSyntax.Show(timestamp)}'";
            }

            rest = TextSyntax.TrimStart(rest);
            if (!rest.IsEmpty && rest[0] != (byte)'#')
            {
                return $"unexpected text after the value of '{name}': '{TextSyntax.Show(rest)}'";
            }
        }

        // Whatever follows '#' is an OpenMetrics exemplar; ignored.
        return builder.AddSample(name, value);
    }

    private static string? ParseLabels(ref ReadOnlySpan<byte> rest, PayloadBuilder builder)
    {
        var labels = builder.Labels;
        rest = rest[1..]; // '{'
        while (true)
        {
            rest = TextSyntax.TrimStart(rest);
            if (rest.IsEmpty)
            {
                return "label set is not closed with '}'";
            }

            if (rest[0] == (byte)'}')
            {
                rest = rest[1..];
                return null;
            }

            var nameLength = TextSyntax.LabelNameLength(rest);
            if (nameLength == 0)
            {
                return $"expected a label name or '}}', found '{TextSyntax.Show(rest)}'";
            }

            var labelName = rest[..nameLength];
            rest = TextSyntax.TrimStart(rest[nameLength..]);
            if (rest.IsEmpty || rest[0] != (byte)'=')
            {
                return $"expected '=' after label name '{TextSyntax.Show(labelName)}'";
            }

            rest = TextSyntax.TrimStart(rest[1..]);
            if (rest.IsEmpty || rest[0] != (byte)'"')
            {
                return $"expected '\"' to open the value of label '{TextSyntax.Show(labelName)}'";
            }

            rest = rest[1..];
            var end = -1;
            var escaped = false;
            for (var i = 0; i < rest.Length; i++)
            {
                var b = rest[i];
                if (b == (byte)'\\')
                {
                    escaped = true;
                    i++; // The escaped byte never ends the value.
                }
                else if (b == (byte)'"')
                {
                    end = i;
                    break;
                }
            }

            if (end < 0)
            {
                return $"value of label '{TextSyntax.Show(labelName)}' is not closed with '\"'";
            }

            if (end > PrometheusTextParser.MaxLabelValueBytes)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"value of label '{TextSyntax.Show(labelName)}' is {end} bytes, over the {PrometheusTextParser.MaxLabelValueBytes}-byte limit");
            }

            if (labels.Count >= PrometheusTextParser.MaxLabelsPerSample)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"more than {PrometheusTextParser.MaxLabelsPerSample} labels on one sample");
            }

            var name = builder.Strings.Intern(labelName);
            foreach (var existing in labels)
            {
                if (ReferenceEquals(existing.Name, name))
                {
                    return $"label '{name}' appears twice";
                }
            }

            var rawValue = rest[..end];
            var value = escaped ? builder.Strings.InternEscaped(rawValue) : builder.Strings.Intern(rawValue);
            labels.Add(new Label(name, value));
            rest = TextSyntax.TrimStart(rest[(end + 1)..]);
            if (!rest.IsEmpty && rest[0] == (byte)',')
            {
                rest = rest[1..]; // A trailing comma before '}' is allowed.
            }
            else if (rest.IsEmpty || rest[0] != (byte)'}')
            {
                return $"expected ',' or '}}' after the value of label '{name}'";
            }
        }
    }

    private static bool TryParseType(ReadOnlySpan<byte> word, out MetricType type)
    {
        type = word switch
        {
            _ when word.SequenceEqual("counter"u8) => MetricType.Counter,
            _ when word.SequenceEqual("gauge"u8) => MetricType.Gauge,
            _ when word.SequenceEqual("histogram"u8) => MetricType.Histogram,
            _ when word.SequenceEqual("summary"u8) => MetricType.Summary,
            _ when word.SequenceEqual("untyped"u8) => MetricType.Untyped,
            _ when word.SequenceEqual("unknown"u8) => MetricType.Unknown,
            _ when word.SequenceEqual("info"u8) => MetricType.Info,
            _ when word.SequenceEqual("stateset"u8) => MetricType.StateSet,
            _ when word.SequenceEqual("gaugehistogram"u8) => MetricType.GaugeHistogram,
            _ => (MetricType)(-1),
        };
        return type != (MetricType)(-1);
    }
}
