using System.Text;
using Telemetry.Exposition.Tests.Support;

namespace Telemetry.Exposition.Tests.Writing;

/// <summary>
/// Property: for thousands of random families (fixed seed), the fast writer's bytes equal the naive
/// <see cref="ReferenceWriter"/>'s. Inputs mix escapes, non-ASCII, lone surrogates, every float class and
/// buffer sizes from 0 up, so growth happens mid-line.
/// </summary>
public sealed class ReferenceEquivalenceTests
{
    private const int Seed = 20_240_607;
    private const int Payloads = 40;
    private const int FamiliesPerPayload = 100;

    private static readonly string[] Alphabet =
    [
        "a", "b", "Z", "0", "9", "_", " ", "-", ".", ",", "=", "{", "}", "#", "\\", "\"", "\n", "\t", "\r", "\0",
        "é", "日", "本", "😀", "\uD800", "\uDC00", "\\n", "\"\"",
    ];

    private static readonly double[] SpecialValues =
    [
        0, -0.0, 1, -1, 0.5, 0.1 + 0.2, 1e-9, 1e21, 1e6, 999999, 1e-5, 0.0001, double.MaxValue, double.MinValue,
        double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 9007199254740993,
    ];

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004, false)]
    [InlineData(ExpositionFormat.OpenMetrics100, false)]
    [InlineData(ExpositionFormat.PrometheusText004, true)]
    [InlineData(ExpositionFormat.OpenMetrics100, true)]
    public void Fast_writer_matches_reference_writer_on_random_payloads(ExpositionFormat format, bool preEncodedLabels)
    {
        bool openMetrics = format == ExpositionFormat.OpenMetrics100;
        var random = new Random(Seed);
        int families = 0;
        for (int payload = 0; payload < Payloads; payload++)
        {
            using var fast = new ExpositionWriter(format, initialCapacity: random.Next(0, 4096));
            var reference = new ReferenceWriter(openMetrics);
            for (int f = 0; f < FamiliesPerPayload; f++, families++)
            {
                WriteRandomFamily(random, $"f{f}", fast, reference, preEncodedLabels);
            }

            fast.Finish();
            reference.Finish();

            byte[] expected = reference.ToUtf8();
            byte[] actual = fast.WrittenMemory.ToArray();
            if (!actual.AsSpan().SequenceEqual(expected))
            {
                Assert.Fail($"Payload {payload} differs: {DescribeDifference(expected, actual)}");
            }
        }

        Assert.Equal(Payloads * FamiliesPerPayload, families);
    }

    [Fact]
    public void Reference_number_formatter_agrees_with_the_fast_one_on_random_bit_patterns()
    {
        var random = new Random(Seed);
        Span<byte> buffer = stackalloc byte[64];
        for (int i = 0; i < 200_000; i++)
        {
            double value = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            bool openMetrics = (i & 1) == 1;
            int written = Telemetry.Exposition.GoFloat.Format(value, buffer, openMetrics);

            string fast = Encoding.ASCII.GetString(buffer[..written]);
            string reference = ReferenceWriter.FormatNumber(value, openMetrics);
            if (fast != reference)
            {
                Assert.Fail($"{value:R} (bits {BitConverter.DoubleToInt64Bits(value):X16}): fast '{fast}', reference '{reference}'");
            }
        }
    }

    private static void WriteRandomFamily(Random random, string uniqueSuffix, ExpositionWriter fast, ReferenceWriter reference, bool preEncodedLabels)
    {
        var type = (MetricType)random.Next(3);
        string name = RandomName(random, metric: true) + "_" + uniqueSuffix;
        string help = RandomText(random, 40);
        fast.BeginFamily(name, type, help);
        reference.BeginFamily(name, type, help);

        int series = random.Next(0, 5);
        for (int s = 0; s < series; s++)
        {
            Label[] labels = RandomLabels(random);
            if (type == MetricType.Histogram)
            {
                double[] bounds = RandomBounds(random);
                double[] cumulative = new double[bounds.Length];
                double running = 0;
                for (int b = 0; b < bounds.Length; b++)
                {
                    running += random.Next(0, 3) == 0 ? 0 : random.Next(0, 1000);
                    cumulative[b] = running;
                }

                double count = running + random.Next(0, 100);
                double sum = RandomValue(random);
                if (preEncodedLabels)
                {
                    fast.WriteHistogram(LabelSet.Of(labels), bounds, cumulative, count, sum);
                }
                else
                {
                    fast.WriteHistogram(labels, bounds, cumulative, count, sum);
                }

                reference.WriteHistogram(labels, bounds, cumulative, count, sum);
            }
            else
            {
                double value = RandomValue(random);
                if (type == MetricType.Counter && !(value >= 0))
                {
                    value = double.IsNaN(value) ? 0 : -value; // counters are never NaN or negative
                }

                if (preEncodedLabels)
                {
                    // The labels split at two random points into three pre-encoded sets, written in order.
                    int a = random.Next(0, labels.Length + 1), b = random.Next(a, labels.Length + 1);
                    fast.WriteSample(LabelSet.Of(labels.AsSpan(0, a)), LabelSet.Of(labels.AsSpan(a, b - a)), LabelSet.Of(labels.AsSpan(b)), value);
                }
                else
                {
                    fast.WriteSample(labels, value);
                }

                reference.WriteSample(labels, value);
            }
        }
    }

    private static Label[] RandomLabels(Random random)
    {
        var labels = new Label[random.Next(0, 5)];
        for (int i = 0; i < labels.Length; i++)
        {
            // The index suffix keeps names unique and never exactly "le".
            labels[i] = new Label(RandomName(random, metric: false) + "_" + i, RandomText(random, 16));
        }

        return labels;
    }

    private static double[] RandomBounds(Random random)
    {
        var bounds = new SortedSet<double>();
        int count = random.Next(0, 8);
        while (bounds.Count < count)
        {
            double bound = RandomValue(random);
            if (double.IsFinite(bound))
            {
                bounds.Add(bound == 0 ? 0 : bound); // folds -0 into 0 so bounds stay strictly ascending
            }
        }

        return [.. bounds];
    }

    private static double RandomValue(Random random) => random.Next(6) switch
    {
        0 => SpecialValues[random.Next(SpecialValues.Length)],
        1 => random.Next(-1_000_000, 10_000_000),
        2 => Math.Round(random.NextDouble() * 1000, random.Next(0, 6)),
        3 => random.NextDouble() * Math.Pow(10, random.Next(-12, 25)) * (random.Next(2) == 0 ? 1 : -1),
        4 => BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue)),
        _ => random.NextInt64(0, long.MaxValue),
    };

    private static string RandomName(Random random, bool metric)
    {
        const string First = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
        const string Rest = First + "0123456789";
        var name = new StringBuilder();
        name.Append(First[random.Next(First.Length)]);
        int length = random.Next(0, 12);
        for (int i = 0; i < length; i++)
        {
            name.Append(metric && random.Next(20) == 0 ? ':' : Rest[random.Next(Rest.Length)]);
        }

        return name.ToString();
    }

    private static string RandomText(Random random, int maxPieces)
    {
        var text = new StringBuilder();
        int pieces = random.Next(0, maxPieces);
        for (int i = 0; i < pieces; i++)
        {
            text.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        return text.ToString();
    }

    private static string DescribeDifference(byte[] expected, byte[] actual)
    {
        int at = expected.AsSpan().CommonPrefixLength(actual);
        int lineStart = Math.Max(0, expected.AsSpan(0, at).LastIndexOf((byte)'\n') + 1);
        string Line(byte[] bytes)
        {
            int end = bytes.AsSpan(lineStart).IndexOf((byte)'\n');
            return Encoding.UTF8.GetString(bytes, lineStart, end < 0 ? bytes.Length - lineStart : end);
        }

        return $"first difference at byte {at}\nexpected line: {Line(expected)}\nactual line:   {Line(actual)}";
    }
}
