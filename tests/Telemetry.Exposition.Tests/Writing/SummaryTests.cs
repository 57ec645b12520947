using System.Text;

namespace Telemetry.Exposition.Tests.Writing;

public sealed class SummaryTests
{
    private static string Render(ExpositionFormat format)
    {
        using var w = new ExpositionWriter(format);
        w.BeginFamily("inference_kpi_latency_seconds", MetricType.Summary, "Latency quantiles.");
        w.WriteSummary([new Label("scope", "fleet"), new Label("metric", "ttft")], [(0.5, 0.25), (0.99, 1.5)], count: 40, sum: 12.5);
        w.Finish();
        return Encoding.UTF8.GetString(w.WrittenMemory.Span);
    }

    [Fact]
    public void A_summary_writes_quantile_samples_then_sum_and_count()
    {
        Assert.Equal("""
            # HELP inference_kpi_latency_seconds Latency quantiles.
            # TYPE inference_kpi_latency_seconds summary
            inference_kpi_latency_seconds{scope="fleet",metric="ttft",quantile="0.5"} 0.25
            inference_kpi_latency_seconds{scope="fleet",metric="ttft",quantile="0.99"} 1.5
            inference_kpi_latency_seconds_sum{scope="fleet",metric="ttft"} 12.5
            inference_kpi_latency_seconds_count{scope="fleet",metric="ttft"} 40

            """.Replace("\r\n", "\n", StringComparison.Ordinal), Render(ExpositionFormat.PrometheusText004));
    }

    [Fact]
    public void OpenMetrics_uses_canonical_numbers_and_ends_with_eof()
    {
        var om = Render(ExpositionFormat.OpenMetrics100);
        Assert.Contains("inference_kpi_latency_seconds_count{scope=\"fleet\",metric=\"ttft\"} 40.0\n", om, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", om, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quantile_label_or_value_out_of_range_is_refused()
    {
        using var w = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        w.BeginFamily("x_seconds", MetricType.Summary, "x");
        Assert.Throws<ArgumentException>(() => w.WriteSummary([new Label("quantile", "0.5")], [(0.5, 1)], 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.WriteSummary([], [(1.5, 1)], 1, 1));
        Assert.Throws<InvalidOperationException>(() => w.WriteSample([], 1));
    }

    [Fact]
    public void Pre_encoded_label_sets_write_the_same_summary()
    {
        using var w = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        w.BeginFamily("inference_kpi_latency_seconds", MetricType.Summary, "Latency quantiles.");
        w.WriteSummary(LabelSet.Of(new Label("scope", "fleet")), LabelSet.Empty, LabelSet.Of(new Label("metric", "ttft")), [(0.5, 0.25), (0.99, 1.5)], count: 40, sum: 12.5);
        Assert.Throws<ArgumentException>(() => w.WriteSummary(LabelSet.Empty, LabelSet.Of(new Label("quantile", "x")), LabelSet.Empty, [(0.5, 1)], 1, 1));
        w.Finish();
        Assert.Equal(Render(ExpositionFormat.PrometheusText004), Encoding.UTF8.GetString(w.WrittenMemory.Span));
    }

    [Fact]
    public void A_label_set_refuses_invalid_or_repeated_names_and_histograms_refuse_le()
    {
        Assert.Throws<ArgumentException>(() => LabelSet.Of(new Label("a-b", "x")));
        Assert.Throws<ArgumentException>(() => LabelSet.Of(new Label("a", "x"), new Label("a", "y")));
        using var w = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        w.BeginFamily("x_seconds", MetricType.Histogram, "x");
        Assert.Throws<ArgumentException>(() => w.WriteHistogram(LabelSet.Of(new Label("le", "1")), [1.0], [1.0], 1, 1));
        Assert.Equal("a=\"x\\\"\\n\"", LabelSet.Of(new Label("a", "x\"\n")).ToString());
    }

    [Fact]
    public void Summaries_with_the_usual_quantiles_allocate_nothing_once_their_texts_are_known()
    {
        // 0.5 and 0.95 shared a slot of the old direct-mapped cache and evicted each other on every summary.
        using var w = new ExpositionWriter(ExpositionFormat.PrometheusText004, initialCapacity: 4 << 20);
        w.BeginFamily("inference_kpi_latency_seconds", MetricType.Summary, "Latency quantiles.");
        var labels = LabelSet.Of(new Label("scope", "fleet"));
        ReadOnlySpan<(double, double)> quantiles = [(0.5, 0.25), (0.9, 0.5), (0.95, 0.75), (0.99, 1.5)];
        w.WriteSummary(labels, LabelSet.Empty, LabelSet.Empty, quantiles, 40, 12.5);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            w.WriteSummary(labels, LabelSet.Empty, LabelSet.Empty, quantiles, 40, 12.5);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void More_distinct_quantiles_than_the_text_cache_holds_are_each_written_right()
    {
        using var w = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        w.BeginFamily("x_seconds", MetricType.Summary, "x");
        var quantiles = Enumerable.Range(1, 40).Select(i => (i / 41.0, (double)i)).ToArray();
        for (var round = 0; round < 3; round++)
        {
            w.WriteSummary([], quantiles, 40, 1);
        }

        w.Finish();
        var lines = Encoding.UTF8.GetString(w.WrittenMemory.Span).Split('\n');
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < quantiles.Length; i++)
            {
                var (q, v) = quantiles[i];
                Assert.Equal(FormattableString.Invariant($"x_seconds{{quantile=\"{q:R}\"}} {v:R}"), lines[2 + (round * (quantiles.Length + 2)) + i]);
            }
        }
    }
}
