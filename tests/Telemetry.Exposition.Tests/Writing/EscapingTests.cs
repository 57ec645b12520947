using System.Text;

namespace Telemetry.Exposition.Tests.Writing;

/// <summary>
/// Label values escape <c>\</c>, <c>"</c>, line feed in both formats; HELP escapes <c>\</c> and line feed in 0.0.4 and
/// also <c>"</c> in OpenMetrics (exposition_formats.md; open_metrics_spec.md "Escaping"). Everything else passes through as UTF-8.
/// </summary>
public sealed class EscapingTests
{
    public static readonly TheoryData<string, string> LabelValueCases = new()
    {
        { "", "" },
        { "plain", "plain" },
        { "back\\slash", "back\\\\slash" },
        { "\"quoted\"", "\\\"quoted\\\"" },
        { "line\nfeed", "line\\nfeed" },
        { "\n", "\\n" },
        { "\\n", "\\\\n" },
        { "\\\"\n", "\\\\\\\"\\n" },
        { "tab\tand\rreturn", "tab\tand\rreturn" },
        { "é 日本 😀", "é 日本 😀" },
        { "日本\"語\"", "日本\\\"語\\\"" },
        { "{a=\"b\"},#", "{a=\\\"b\\\"},#" },
        { "nul\0byte", "nul\0byte" },
        { "lone \uD800 high", "lone \uFFFD high" },
        { "lone \uDC00 low", "lone \uFFFD low" },
        { "ends high \uD83D", "ends high \uFFFD" },
        { "\uD83D\"", "\uFFFD\\\"" },
    };

    public static readonly TheoryData<string, string, string> HelpCases = new()
    {
        { "Plain help.", "Plain help.", "Plain help." },
        { "a\\b", "a\\\\b", "a\\\\b" },
        { "two\nlines", "two\\nlines", "two\\nlines" },
        { "say \"hi\"", "say \"hi\"", "say \\\"hi\\\"" },
        { "all \\ \" \n", "all \\\\ \" \\n", "all \\\\ \\\" \\n" },
        { "é 日本", "é 日本", "é 日本" },
        { "", "", "" },
    };

    [Theory]
    [MemberData(nameof(LabelValueCases))]
    public void Label_values_are_escaped_identically_in_both_formats(string value, string escaped)
    {
        foreach (ExpositionFormat format in Enum.GetValues<ExpositionFormat>())
        {
            using var writer = new ExpositionWriter(format);
            writer.BeginFamily("g", MetricType.Gauge, "h");
            int header = writer.WrittenMemory.Length;

            writer.WriteSample([new("a", value), new("b", "x")], 1);

            string expected = "g{a=\"" + escaped + "\",b=\"x\"} " + (format == ExpositionFormat.OpenMetrics100 ? "1.0" : "1") + "\n";
            Assert.Equal(Encoding.UTF8.GetBytes(expected), writer.WrittenMemory.Span[header..].ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(HelpCases))]
    public void Help_escaping_differs_only_in_double_quotes(string help, string text, string openMetrics)
    {
        Assert.Equal(
            "# HELP g " + text + "\n# TYPE g gauge\n",
            Render(ExpositionFormat.PrometheusText004, w => w.BeginFamily("g", MetricType.Gauge, help)));
        Assert.Equal(
            "# TYPE g gauge\n# HELP g " + openMetrics + "\n",
            Render(ExpositionFormat.OpenMetrics100, w => w.BeginFamily("g", MetricType.Gauge, help)));
    }

    [Fact]
    public void Null_label_value_is_written_as_empty()
    {
        string body = Render(ExpositionFormat.PrometheusText004, w =>
        {
            w.BeginFamily("g", MetricType.Gauge, "h");
            w.WriteSample([new("a", null!)], 2);
        });

        Assert.EndsWith("g{a=\"\"} 2\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_value_full_of_escapes_grows_the_buffer_correctly()
    {
        string value = new string('"', 5000) + new string('\n', 5000) + "日本" + new string('\\', 5000);

        string body = Render(ExpositionFormat.PrometheusText004, w =>
        {
            w.BeginFamily("g", MetricType.Gauge, "h");
            w.WriteSample([new("a", value)], 1);
        }, initialCapacity: 0);

        string expected = "g{a=\"" + string.Concat(Enumerable.Repeat("\\\"", 5000)) + string.Concat(Enumerable.Repeat("\\n", 5000))
            + "日本" + string.Concat(Enumerable.Repeat("\\\\", 5000)) + "\"} 1\n";
        Assert.EndsWith(expected, body, StringComparison.Ordinal);
    }

    private static string Render(ExpositionFormat format, Action<ExpositionWriter> render, int initialCapacity = 1024)
    {
        using var writer = new ExpositionWriter(format, initialCapacity);
        render(writer);
        return Encoding.UTF8.GetString(writer.WrittenMemory.Span);
    }
}
