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
}
