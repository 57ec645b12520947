using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Telemetry.Scraping.Tests.Prometheus;

/// <summary>
/// Property test of the span parser against a simple reference parser (one regular expression per
/// line, no grouping, no limits): random payloads mixing HELP/TYPE/free comments, blank lines, CRLF,
/// label sets with every escape, timestamps and OpenMetrics exemplars must yield the same samples.
/// </summary>
public sealed partial class ReferenceParserPropertyTests
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];
    private static readonly string[] ValuePieces = ["a", "0", " ", "\\", "\"", "\n", ",", "{", "}", "=", "#", "é", "Qwen/Qwen3", " # {x=\"y\"} 1"];
    private static readonly string[] Values = ["0", "1", "-2.5", "1e-05", "3.4E+38", "+Inf", "-Inf", "NaN", "17.0", "0.4143967628479004"];

    [Fact]
    public void Span_parser_agrees_with_the_reference_parser_on_random_payloads()
    {
        var random = new Random(42);
        for (var round = 0; round < 400; round++)
        {
            var text = RandomPayload(random);
            var expected = ReferenceParse(text);
            var payload = Fixtures.Parse(text);
            var actual = payload.Families.SelectMany(f => f.Samples)
                .Select(s => Key(s.Name, s.Labels.Select(l => (l.Name, l.Value)), s.Value))
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Order(StringComparer.Ordinal).ToList(), actual);
        }
    }

    /// <summary>The reference: every non-comment, non-blank line is one sample matching <see cref="SampleLine"/>.</summary>
    private static List<string> ReferenceParse(string text)
    {
        var samples = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var m = SampleLine().Match(line);
            Assert.True(m.Success, "reference cannot parse: " + line);
            var labels = LabelPair().Matches(m.Groups["labels"].Value)
                .Select(p => (p.Groups[1].Value, Unescape(p.Groups[2].Value)));
            samples.Add(Key(m.Groups["name"].Value, labels, ParseValue(m.Groups["value"].Value)));
        }

        return samples;
    }

    private static string Unescape(string s) =>
        EscapePair().Replace(s, m => m.Value[1] switch { 'n' => "\n", '\\' => "\\", '"' => "\"", _ => m.Value });

    private static double ParseValue(string s) => s.ToUpperInvariant() switch
    {
        "+INF" or "INF" => double.PositiveInfinity,
        "-INF" => double.NegativeInfinity,
        "NAN" => double.NaN,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string Key(string name, IEnumerable<(string Name, string Value)> labels, double value) =>
        name + "{" + string.Join(",", labels.Select(l => l.Name + "=" + l.Value.Replace("\n", "\\n", StringComparison.Ordinal))) + "} "
        + BitConverter.DoubleToInt64Bits(value).ToString(CultureInfo.InvariantCulture);

    private static string RandomPayload(Random random)
    {
        var text = new StringBuilder();
        var families = random.Next(1, 8);
        for (var f = 0; f < families; f++)
        {
            var name = (random.Next(3) == 0 ? "eng:" : "m_") + f.ToString(CultureInfo.InvariantCulture);
            if (random.Next(2) == 0)
            {
                text.Append("# HELP ").Append(name).Append(" help with \\\\ and \\n escapes").Append(NewLine(random));
            }

            if (random.Next(2) == 0)
            {
                text.Append("# TYPE ").Append(name).Append(' ').Append(Types[random.Next(Types.Length)]).Append(NewLine(random));
            }

            if (random.Next(4) == 0)
            {
                text.Append("# a free comment {with=\"braces\"}").Append(NewLine(random)).Append(NewLine(random));
            }

            for (var s = random.Next(0, 6); s > 0; s--)
            {
                var suffix = new[] { "", "_total", "_bucket", "_sum", "_count", "_created" }[random.Next(6)];
                text.Append(name).Append(suffix);
                var labels = random.Next(0, 4);
                if (labels > 0 || random.Next(3) == 0)
                {
                    text.Append('{').AppendJoin(",", Enumerable.Range(0, labels).Select(i => $"l{i}=\"{Escape(RandomValue(random))}\""));
                    text.Append(labels > 0 && random.Next(3) == 0 ? ",}" : "}");
                }

                text.Append(random.Next(4) == 0 ? "\t" : " ").Append(Values[random.Next(Values.Length)]);
                if (random.Next(3) == 0)
                {
                    text.Append(' ').Append(random.NextInt64(1_600_000_000_000, 1_800_000_000_000));
                }

                if (random.Next(4) == 0)
                {
                    text.Append(" # {trace_id=\"").Append(random.Next()).Append("\"} 0.5");
                }

                text.Append(NewLine(random));
            }
        }

        return text.ToString();
    }

    private static string NewLine(Random random) => random.Next(3) == 0 ? "\r\n" : "\n";

    private static string RandomValue(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => ValuePieces[random.Next(ValuePieces.Length)]));

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    [GeneratedRegex("""^\s*(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>(?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?[ \t]+(?<value>\S+)([ \t]+-?\d+)?[ \t]*(#.*)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"(?# a value)""")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"\\.")]
    private static partial Regex EscapePair();
}
