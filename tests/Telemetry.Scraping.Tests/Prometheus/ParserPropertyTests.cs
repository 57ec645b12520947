using System.Globalization;
using System.Text;

namespace Telemetry.Scraping.Tests.Prometheus;

/// <summary>
/// Property test: random samples (names with colons, label values with every escape and non-ASCII
/// text, values across NaN/±Inf/exponents) rendered by a simple reference writer parse back to
/// exactly what was generated.
/// </summary>
public sealed class ParserPropertyTests
{
    private const string NameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789";
    private static readonly string[] ValuePieces = ["a", "Z", "0", " ", "\\", "\"", "\n", ",", "{", "}", "=", "#", "é", "✓", "Qwen/Qwen3", "\t"];

    [Fact]
    public void Rendered_random_samples_parse_back_exactly()
    {
        var random = new Random(7);
        for (var round = 0; round < 300; round++)
        {
            var expected = new List<(string Name, (string Name, string Value)[] Labels, double Value)>();
            var text = new StringBuilder();
            var count = random.Next(1, 30);
            for (var i = 0; i < count; i++)
            {
                var name = RandomName(random, allowColon: true);
                var labels = Enumerable.Range(0, random.Next(0, 5))
                    .Select(j => ("l" + j + RandomName(random, allowColon: false), RandomValue(random)))
                    .ToArray();
                var value = RandomDouble(random);
                expected.Add((name, labels, value));
                Render(text, name, labels, value, random);
            }

            var payload = Fixtures.Parse(text.ToString());
            var actual = payload.Families.SelectMany(f => f.Samples).ToList();
            Assert.Equal(expected.Count, payload.SampleCount);
            foreach (var (name, labels, value) in expected)
            {
                // Families regroup samples, so match each expected sample by name, labels and value.
                Assert.Contains(actual, s =>
                    s.Name == name
                    && s.Labels.Select(l => (l.Name, l.Value)).SequenceEqual(labels)
                    && BitConverter.DoubleToInt64Bits(s.Value) == BitConverter.DoubleToInt64Bits(value));
            }
        }
    }

    private static void Render(StringBuilder text, string name, (string Name, string Value)[] labels, double value, Random random)
    {
        text.Append(name);
        if (labels.Length > 0 || random.Next(4) == 0)
        {
            text.Append('{');
            text.AppendJoin(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\""));
            if (labels.Length > 0 && random.Next(3) == 0)
            {
                text.Append(','); // trailing comma
            }

            text.Append('}');
        }

        text.Append(' ').Append(Format(value));
        if (random.Next(3) == 0)
        {
            text.Append(' ').Append(random.NextInt64(0, 2_000_000_000_000));
        }

        text.Append(random.Next(2) == 0 ? "\n" : "\r\n");
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string RandomName(Random random, bool allowColon)
    {
        var length = random.Next(1, 12);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            char c;
            do
            {
                c = NameChars[random.Next(NameChars.Length)];
            }
            while ((c == ':' && !allowColon) || (i == 0 && char.IsAsciiDigit(c)));
            chars[i] = c;
        }

        return new string(chars);
    }

    private static string RandomValue(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 8)).Select(_ => ValuePieces[random.Next(ValuePieces.Length)]));

    private static double RandomDouble(Random random) => random.Next(8) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => random.Next(-1000, 1000),
        4 => BitConverter.Int64BitsToDouble(random.NextInt64()) is var d && double.IsFinite(d) ? d : 0,
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-20, 20)),
    };
}
