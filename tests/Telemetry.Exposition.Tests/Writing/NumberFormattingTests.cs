using System.Globalization;
using System.Text;

namespace Telemetry.Exposition.Tests.Writing;

/// <summary>
/// Sample values and <c>le</c> bounds use Go's shortest <c>%g</c> (what prometheus/common expfmt writes); OpenMetrics adds
/// ".0" to integral values (open_metrics_spec.md, "Canonical Numbers").
/// </summary>
public sealed class NumberFormattingTests
{
    public static readonly TheoryData<double, string, string> Cases = new()
    {
        { 0, "0", "0.0" },
        { -0.0, "0", "0.0" },
        { 1, "1", "1.0" },
        { -1, "-1", "-1.0" },
        { 3, "3", "3.0" },
        { 0.5, "0.5", "0.5" },
        { 10, "10", "10.0" },
        { 0.001, "0.001", "0.001" },
        { 0.0001, "0.0001", "0.0001" },
        { 0.00001, "1e-05", "1e-05" },
        { 0.00012345, "0.00012345", "0.00012345" },
        { 1e-9, "1e-09", "1e-09" },
        { -2.5e-7, "-2.5e-07", "-2.5e-07" },
        { 123456, "123456", "123456.0" },
        { 999999.5, "999999.5", "999999.5" },
        { 1e6, "1e+06", "1e+06" },
        { 1234567, "1.234567e+06", "1.234567e+06" },
        { -1234567.25, "-1.23456725e+06", "-1.23456725e+06" },
        { 9007199254740992, "9.007199254740992e+15", "9.007199254740992e+15" },
        { 1e21, "1e+21", "1e+21" },
        { 1e100, "1e+100", "1e+100" },
        { double.MaxValue, "1.7976931348623157e+308", "1.7976931348623157e+308" },
        { double.MinValue, "-1.7976931348623157e+308", "-1.7976931348623157e+308" },
        { double.Epsilon, "5e-324", "5e-324" },
        { 0.1 + 0.2, "0.30000000000000004", "0.30000000000000004" },
        { 1.0 / 3, "0.3333333333333333", "0.3333333333333333" },

        // 2^-958: .NET's "R" gives 4.104536801298376E-289, which reads back as the double below it; Go (and Python) give this.
        { 4.1045368012983762e-289, "4.1045368012983762e-289", "4.1045368012983762e-289" },
        { 98765.4321, "98765.4321", "98765.4321" },
        { double.NaN, "NaN", "NaN" },
        { double.PositiveInfinity, "+Inf", "+Inf" },
        { double.NegativeInfinity, "-Inf", "-Inf" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gauge_values_are_written_as_go_shortest_g(double value, string text, string openMetrics)
    {
        Assert.Equal($"g {text}\n", SampleLine(ExpositionFormat.PrometheusText004, value));
        Assert.Equal($"g {openMetrics}\n", SampleLine(ExpositionFormat.OpenMetrics100, value));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Written_values_parse_back_to_the_same_double(double value, string text, string openMetrics)
    {
        foreach (string written in new[] { text, openMetrics })
        {
            double parsed = written switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(written, NumberStyles.Float, CultureInfo.InvariantCulture),
            };

            // -0 is written as "0" (like Go's writeFloat); equal by value, which is all PromQL sees.
            Assert.True(parsed.Equals(value) || parsed == value, $"'{written}' parsed as {parsed:R}, expected {value:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_does_not_depend_on_the_current_culture(double value, string text, string openMetrics)
    {
        CultureInfo original = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        comma.NumberFormat.NegativeSign = "\u2212";
        comma.NumberFormat.PositiveSign = "\u002B\u002B";
        comma.NumberFormat.NaNSymbol = "n/a";
        comma.NumberFormat.PositiveInfinitySymbol = "\u221E";
        comma.NumberFormat.NegativeInfinitySymbol = "-\u221E";
        try
        {
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("0,5", 0.5.ToString(CultureInfo.CurrentCulture)); // the culture really is comma-decimal

            Assert.Equal($"g {text}\n", SampleLine(ExpositionFormat.PrometheusText004, value));
            Assert.Equal($"g {openMetrics}\n", SampleLine(ExpositionFormat.OpenMetrics100, value));
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004, "0.001", "1", "1e+06", "1e-09")]
    [InlineData(ExpositionFormat.OpenMetrics100, "0.001", "1.0", "1e+06", "1e-09")]
    public void Histogram_le_values_use_the_same_float_text(
        ExpositionFormat format, string first, string second, string third, string fourth)
    {
        using var writer = new ExpositionWriter(format);
        writer.BeginFamily("h", MetricType.Histogram, "h");
        writer.WriteHistogram([], [1e-9, 0.001, 1, 1e6], [0, 1, 2, 3], 4, 5);

        string body = Encoding.UTF8.GetString(writer.WrittenMemory.Span);

        string[] le = body.Split('\n').Where(l => l.StartsWith("h_bucket", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..l.LastIndexOf('"')]).ToArray();
        Assert.Equal([fourth, first, second, third, "+Inf"], le);
    }

    private static string SampleLine(ExpositionFormat format, double value)
    {
        using var writer = new ExpositionWriter(format);
        writer.BeginFamily("g", MetricType.Gauge, "h");
        int headerLength = writer.WrittenMemory.Length;
        writer.WriteSample([], value);
        return Encoding.UTF8.GetString(writer.WrittenMemory.Span[headerLength..]);
    }

    [Fact]
    public void The_large_integer_fast_path_writes_what_the_general_shortest_path_writes()
    {
        var random = new Random(20261203);
        var values = new List<long> { 1_000_000, 1_000_001, 9_999_999, 10_000_000, 81_559_830_528, 999_999_999_999_999, 1_000_000_000_000_000, 9_007_199_254_740_991 };
        for (int i = 0; i < 100_000; i++)
        {
            // Spread over every magnitude from 10^6 to 2^53, with and without trailing zeros.
            long magnitude = (long)Math.Pow(10, random.Next(6, 16));
            long value = Math.Min(magnitude + random.NextInt64(magnitude * 9), 9_007_199_254_740_991);
            values.Add(random.Next(3) == 0 ? value / magnitude * magnitude : value);
        }

        Span<byte> fast = stackalloc byte[GoFloat.MaxLength];
        Span<byte> general = stackalloc byte[GoFloat.MaxLength];
        foreach (long value in values)
        {
            foreach (long signed in new[] { value, -value })
            {
                string expected = Encoding.UTF8.GetString(general[..GoFloat.FormatGeneral(signed, general)]);
                Assert.Equal(expected, Encoding.UTF8.GetString(fast[..GoFloat.FormatLargeInteger(signed, fast)]));
                Assert.Equal(expected, Encoding.UTF8.GetString(fast[..GoFloat.Format(signed, fast, openMetrics: false)]));
            }
        }
    }

    [Fact]
    public void Shortest_digits_match_the_dotnet_round_trip_digits_over_half_a_million_values_of_every_kind()
    {
        var random = new Random(7);
        var values = new List<double> { double.Epsilon, double.MaxValue, 2.2250738585072014e-308, 2.225073858507201e-308, 5e-324, 1e23, 9007199254740993, 0.3, 2.5, 1.5e300 };
        for (int e = -1074; e <= 1023; e++)
        {
            values.Add(Math.ScaleB(1, e)); // every power of two: the mm/mp asymmetry at the mantissa boundary
        }

        for (int e = -323; e <= 308; e++)
        {
            values.Add(double.Parse($"1e{e}", CultureInfo.InvariantCulture)); // every power of ten
        }

        for (int i = 0; i < 500_000; i++)
        {
            values.Add((i % 4) switch
            {
                0 => BitConverter.UInt64BitsToDouble((ulong)random.NextInt64() & 0x7FEF_FFFF_FFFF_FFFF), // any finite bit pattern
                1 => random.Next(1, 1_000_000) / Math.Pow(10, random.Next(0, 12)), // short decimals, as prices and ratios are
                2 => random.NextDouble() * Math.Pow(10, random.Next(-8, 12)), // full-precision values of every magnitude
                _ => random.Next(1, 100_000) * Math.ScaleB(1, random.Next(-60, 60)), // dyadic values: the trailing-zero paths
            });
        }

        Span<byte> text = stackalloc byte[GoFloat.MaxLength];
        int dotnetMisprints = 0;
        foreach (double value in values)
        {
            if (value == 0)
            {
                continue;
            }

            string written = Encoding.UTF8.GetString(text[..GoFloat.FormatGeneral(-value, text)]);
            Assert.Equal(-value, double.Parse(written, NumberStyles.Float, CultureInfo.InvariantCulture));

            // .NET's "R" is the reference where it round-trips; it does not for some powers of two (see Cases).
            string dotnet = value.ToString("R", CultureInfo.InvariantCulture);
            if (double.Parse(dotnet, NumberStyles.Float, CultureInfo.InvariantCulture) == value)
            {
                var (digits, exponent) = ShortestDigits.Of(value);
                Assert.True(Normalize(digits, exponent) == DotnetShortest(dotnet), $"{dotnet}: Ryū gave {digits}e{exponent}");
            }
            else
            {
                dotnetMisprints++;
            }
        }

        Assert.InRange(dotnetMisprints, 0, 100); // a handful of powers of two; the rest matched digit for digit
    }

    /// <summary>Digits without trailing zeros and the exponent of their last digit.</summary>
    private static (string Digits, int Exponent) Normalize(ulong digits, int exponent)
    {
        while (digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }

        return (digits.ToString(CultureInfo.InvariantCulture), exponent);
    }

    /// <summary>.NET's "R" (shortest round-trip since .NET Core 3.0) taken apart into the same form.</summary>
    private static (string Digits, int Exponent) DotnetShortest(string r)
    {
        r = r.TrimStart('-');
        int exponent = 0;
        int e = r.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }

        int point = r.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            exponent -= r.Length - point - 1;
            r = r.Remove(point, 1);
        }

        return Normalize(ulong.Parse(r, CultureInfo.InvariantCulture), exponent);
    }
}
