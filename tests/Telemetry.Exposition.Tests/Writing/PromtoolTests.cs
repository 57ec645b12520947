using System.Text;
using Telemetry.Exposition.Tests.Support;

namespace Telemetry.Exposition.Tests.Writing;

/// <summary>
/// Lints the 0.0.4 rendering with the real consumer's tool. promtool 2.42 parses only 0.0.4 text, so OpenMetrics is
/// covered by the golden file instead (see docs/exposition.md).
/// </summary>
public sealed class PromtoolTests
{
    [Fact]
    public async Task Promtool_accepts_the_representative_text_exposition_without_lint_findings()
    {
        RequirePromtool();
        byte[] body = RepresentativePayload.ToArray(ExpositionFormat.PrometheusText004);

        (int exitCode, string output) = await Promtool.CheckMetricsAsync(body);

        Assert.True(exitCode == 0 && output.Length == 0, $"promtool exit {exitCode}: {output}");
    }

    [Fact]
    public async Task Promtool_accepts_a_histogram_with_many_series_and_escaped_values()
    {
        RequirePromtool();
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004, initialCapacity: 0);
        writer.BeginFamily("inference_request_duration_seconds", MetricType.Histogram, "End-to-end request latency.");
        double[] bounds = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 60];
        for (int series = 0; series < 50; series++)
        {
            double[] cumulative = bounds.Select((_, i) => (double)(series + i)).ToArray();
            writer.WriteHistogram(
                [new("model", $"model \"{series}\"\\\n"), new("node", "gpu-node-" + series)],
                bounds,
                cumulative,
                count: series + bounds.Length,
                sum: series * 1.25);
        }

        writer.Finish();

        (int exitCode, string output) = await Promtool.CheckMetricsAsync(writer.WrittenMemory.ToArray());

        Assert.True(exitCode == 0 && output.Length == 0, $"promtool exit {exitCode}: {output}");
    }

    [Fact]
    public async Task Promtool_harness_reports_a_lint_finding_it_is_shown()
    {
        // Negative control: proves the harness sees promtool's complaints, so the tests above can fail.
        RequirePromtool();
        byte[] body = Encoding.UTF8.GetBytes("# HELP inference_tokens Tokens.\n# TYPE inference_tokens counter\ninference_tokens 1\n");

        (int exitCode, string output) = await Promtool.CheckMetricsAsync(body);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("_total", output, StringComparison.Ordinal);
    }

    private static void RequirePromtool()
    {
        if (Promtool.Find() is null)
        {
            Assert.Fail(Promtool.MissingMessage);
        }
    }
}
