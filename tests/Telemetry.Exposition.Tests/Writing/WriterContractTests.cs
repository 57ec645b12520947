using System.Text;
using Telemetry.Exposition.Tests.Support;

namespace Telemetry.Exposition.Tests.Writing;

public sealed class WriterContractTests
{
    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("has-dash")]
    [InlineData("has space")]
    [InlineData("dotted.name")]
    [InlineData("é")]
    public void Invalid_metric_names_throw(string name)
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);

        Assert.Throws<ArgumentException>(() => writer.BeginFamily(name, MetricType.Gauge, "h"));
        Assert.Equal(0, writer.WrittenMemory.Length);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("_private")]
    [InlineData("rule:level:metric")]
    [InlineData("Z9_:")]
    public void Valid_metric_names_are_accepted(string name)
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);

        writer.BeginFamily(name, MetricType.Gauge, "h");

        Assert.Equal($"# HELP {name} h\n# TYPE {name} gauge\n", Encoding.UTF8.GetString(writer.WrittenMemory.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1a")]
    [InlineData("a:b")]
    [InlineData("a-b")]
    [InlineData("ü")]
    public void Invalid_label_names_throw_and_write_nothing(string labelName)
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("g", MetricType.Gauge, "h");
        int before = writer.WrittenMemory.Length;

        Assert.Throws<ArgumentException>(() => writer.WriteSample([new("ok", "v"), new(labelName, "v")], 1));
        Assert.Equal(before, writer.WrittenMemory.Length);
    }

    [Fact]
    public void Null_label_name_throws()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("g", MetricType.Gauge, "h");

        Assert.Throws<ArgumentNullException>(() => writer.WriteSample([default], 1));
    }

    [Fact]
    public void Duplicate_label_names_throw()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("g", MetricType.Gauge, "h");

        Assert.Throws<ArgumentException>(() => writer.WriteSample([new("a", "1"), new("b", "2"), new("a", "3")], 1));
    }

    [Fact]
    public void Counter_names_with_total_suffix_are_rejected()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.OpenMetrics100);

        Assert.Throws<ArgumentException>(() => writer.BeginFamily("inference_tokens_total", MetricType.Counter, "h"));
    }

    [Fact]
    public void A_family_cannot_be_started_twice()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("g", MetricType.Gauge, "h");

        Assert.Throws<ArgumentException>(() => writer.BeginFamily("g", MetricType.Gauge, "h"));
    }

    [Fact]
    public void Samples_need_a_family_of_the_matching_type()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        Assert.Throws<InvalidOperationException>(() => writer.WriteSample([], 1));

        writer.BeginFamily("g", MetricType.Gauge, "h");
        Assert.Throws<InvalidOperationException>(() => writer.WriteHistogram([], [1], [1], 1, 1));

        writer.BeginFamily("h", MetricType.Histogram, "h");
        Assert.Throws<InvalidOperationException>(() => writer.WriteSample([], 1));
    }

    [Fact]
    public void Counter_samples_get_total_and_text_metadata_names_it_too()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("inference_tokens", MetricType.Counter, "Tokens.");
        writer.WriteSample([new("model", "m")], 7);

        Assert.Equal(
            "# HELP inference_tokens_total Tokens.\n# TYPE inference_tokens_total counter\ninference_tokens_total{model=\"m\"} 7\n",
            Encoding.UTF8.GetString(writer.WrittenMemory.Span));
    }

    [Fact]
    public void OpenMetrics_counter_family_has_no_total_type_comes_first_and_eof_ends_it()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.OpenMetrics100);
        writer.BeginFamily("inference_tokens", MetricType.Counter, "Tokens.");
        writer.WriteSample([], 7);
        writer.Finish();

        Assert.Equal(
            "# TYPE inference_tokens counter\n# HELP inference_tokens Tokens.\ninference_tokens_total 7.0\n# EOF\n",
            Encoding.UTF8.GetString(writer.WrittenMemory.Span));
    }

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004, "")]
    [InlineData(ExpositionFormat.OpenMetrics100, "# EOF\n")]
    public void Finish_is_idempotent_and_ends_the_exposition(ExpositionFormat format, string terminator)
    {
        using var writer = new ExpositionWriter(format);
        writer.Finish();
        writer.Finish();

        Assert.Equal(terminator, Encoding.UTF8.GetString(writer.WrittenMemory.Span));
        Assert.Throws<InvalidOperationException>(() => writer.BeginFamily("g", MetricType.Gauge, "h"));
    }

    [Fact]
    public void Histogram_writes_ascending_buckets_then_inf_equal_to_count_then_sum_and_count()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("ttft_seconds", MetricType.Histogram, "h");
        int header = writer.WrittenMemory.Length;

        writer.WriteHistogram([new("model", "m")], [0.001, 0.5, 10], [1, 2, 3], 4, 1.5);

        Assert.Equal(
            "ttft_seconds_bucket{model=\"m\",le=\"0.001\"} 1\n" +
            "ttft_seconds_bucket{model=\"m\",le=\"0.5\"} 2\n" +
            "ttft_seconds_bucket{model=\"m\",le=\"10\"} 3\n" +
            "ttft_seconds_bucket{model=\"m\",le=\"+Inf\"} 4\n" +
            "ttft_seconds_sum{model=\"m\"} 1.5\n" +
            "ttft_seconds_count{model=\"m\"} 4\n",
            Encoding.UTF8.GetString(writer.WrittenMemory.Span[header..]));
    }

    [Fact]
    public void Histogram_without_finite_bounds_has_only_the_inf_bucket()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("h", MetricType.Histogram, "h");
        int header = writer.WrittenMemory.Length;

        writer.WriteHistogram([], [], [], 2, 3);

        Assert.Equal("h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n", Encoding.UTF8.GetString(writer.WrittenMemory.Span[header..]));
    }

    public static readonly TheoryData<double[], double[]> BadHistograms = new()
    {
        { new[] { 0.5, 0.1 }, new[] { 1.0, 2.0 } },
        { new[] { 0.5, 0.5 }, new[] { 1.0, 2.0 } },
        { new[] { 0.5, double.PositiveInfinity }, new[] { 1.0, 2.0 } },
        { new[] { double.NaN }, new[] { 1.0 } },
        { new[] { 0.5 }, new[] { 1.0, 2.0 } },
    };

    [Theory]
    [MemberData(nameof(BadHistograms))]
    public void Histogram_bounds_must_be_finite_ascending_and_match_counts(double[] bounds, double[] counts)
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("h", MetricType.Histogram, "h");
        int header = writer.WrittenMemory.Length;

        Assert.Throws<ArgumentException>(() => writer.WriteHistogram([], bounds, counts, 2, 0));
        Assert.Equal(header, writer.WrittenMemory.Length);
    }

    [Fact]
    public void Histogram_rejects_a_caller_le_label()
    {
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        writer.BeginFamily("h", MetricType.Histogram, "h");

        Assert.Throws<ArgumentException>(() => writer.WriteHistogram([new("le", "1")], [1], [1], 1, 1));
    }

    [Fact]
    public void Dispose_returns_every_rented_buffer_exactly_once_even_after_growth()
    {
        var pool = new TrackingArrayPool();
        var writer = new ExpositionWriter(ExpositionFormat.OpenMetrics100, 0, pool);
        RepresentativePayload.Render(writer);
        Assert.True(pool.Returns > 0, "the payload should have outgrown the minimum buffer");
        Assert.Equal(1, pool.OutstandingCount);

        writer.Dispose();
        writer.Dispose();

        Assert.Equal(0, pool.OutstandingCount);
        Assert.Throws<ObjectDisposedException>(() => writer.WrittenMemory);
        Assert.Throws<ObjectDisposedException>(() => writer.BeginFamily("g", MetricType.Gauge, "h"));
    }

    [Fact]
    public void Unknown_enum_values_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpositionWriter((ExpositionFormat)7));
        using var writer = new ExpositionWriter(ExpositionFormat.PrometheusText004);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.BeginFamily("g", (MetricType)9, "h"));
    }
}
