using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Tests.Prometheus;

public sealed class PrometheusTextParserTests
{
    public static TheoryData<string, string, double> Values => new()
    {
        { "integer", "m 42", 42 },
        { "decimal", "m 0.4143967628479004", 0.4143967628479004 },
        { "exponent", "m 1.7682643398898673e+09", 1.7682643398898673e+09 },
        { "negative exponent", "m 1.883227378129959e-05", 1.883227378129959e-05 },
        { "capital exponent", "m 2E3", 2000 },
        { "leading plus", "m +3.5", 3.5 },
        { "negative", "m -7", -7 },
        { "plus Inf", "m +Inf", double.PositiveInfinity },
        { "bare Inf", "m Inf", double.PositiveInfinity },
        { "minus Inf", "m -Inf", double.NegativeInfinity },
        { "lower-case inf", "m -inf", double.NegativeInfinity },
        { "with timestamp", "m 5 1700000000000", 5 },
        { "tab separated", "m\t6\t1700000000000", 6 },
        { "trailing blanks", "m 7   ", 7 },
        { "empty label set", "m{} 8", 8 },
        { "exemplar ignored", "m_bucket{le=\"1\"} 9 # {trace_id=\"abc\"} 0.5 1700000000.1", 9 },
        { "exemplar after timestamp", "m 10 1700000000 # {a=\"b\"} 1", 10 },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Parses_value_forms(string because, string line, double expected)
    {
        var payload = Fixtures.Parse(line + "\n");
        var sample = Assert.Single(Assert.Single(payload.Families).Samples);
        Assert.True(expected.Equals(sample.Value), $"{because}: got {sample.Value}");
    }

    [Fact]
    public void Parses_NaN()
    {
        var sample = Fixtures.Parse("m NaN\n").Families[0].Samples[0];
        Assert.True(double.IsNaN(sample.Value));
    }

    public static TheoryData<string, string, string> LabelValues => new()
    {
        { "plain", "m{a=\"x\"} 1", "x" },
        { "escaped backslash", "m{a=\"c:\\\\dir\"} 1", "c:\\dir" },
        { "escaped quote", "m{a=\"say \\\"hi\\\"\"} 1", "say \"hi\"" },
        { "escaped newline", "m{a=\"two\\nlines\"} 1", "two\nlines" },
        { "unknown escape kept literally", "m{a=\"tab\\there\"} 1", "tab\\there" },
        { "empty value", "m{a=\"\"} 1", "" },
        { "utf-8", "m{a=\"Grüße ✓\"} 1", "Grüße ✓" },
        { "braces and comma inside", "m{a=\"{x,y}\"} 1", "{x,y}" },
        { "trailing comma", "m{a=\"x\",} 1", "x" },
        { "spaces around", "m{ a = \"x\" , } 1", "x" },
        { "slash in value", "m{a=\"Qwen/Qwen3-0.6B\"} 1", "Qwen/Qwen3-0.6B" },
    };

    [Theory]
    [MemberData(nameof(LabelValues))]
    public void Unescapes_label_values(string because, string line, string expected)
    {
        var sample = Fixtures.Parse(line + "\n").Families[0].Samples[0];
        Assert.True(expected == sample.GetLabel("a"), because);
        Assert.Equal(1, sample.Value);
    }

    public static TheoryData<string, string, int, string> BadInput => new()
    {
        { "value missing", "# TYPE m gauge\nm\n", 2, "no value" },
        { "value not a number", "m abc\n", 1, "invalid value" },
        { "comma decimal", "m 1,5\n", 1, "invalid value" },
        { "hex float", "m 0x10\n", 1, "invalid value" },
        { "bad timestamp", "m 1 soon\n", 1, "invalid timestamp" },
        { "text after timestamp", "m 1 2 3\n", 1, "unexpected text" },
        { "unterminated label value", "ok 1\nm{a=\"x} 1\n", 2, "not closed" },
        { "unclosed label set", "m{a=\"x\" 1\n", 1, "expected ',' or '}'" },
        { "missing equals", "m{a \"x\"} 1\n", 1, "expected '='" },
        { "unquoted value", "m{a=x} 1\n", 1, "expected '\"'" },
        { "duplicate label", "m{a=\"1\",a=\"2\"} 1\n", 1, "appears twice" },
        { "label name starts with digit", "m{1a=\"x\"} 1\n", 1, "label name" },
        { "name starts with digit", "1m 1\n", 1, "metric name" },
        { "garbage in name", "m-x 1\n", 1, "after metric name" },
        { "bad TYPE keyword", "# TYPE m countr\n", 1, "unknown metric type" },
        { "TYPE without name", "# TYPE\n", 1, "valid metric name" },
        { "TYPE with bad name", "# TYPE 9m gauge\n", 1, "valid metric name" },
        { "conflicting duplicate TYPE", "# TYPE m gauge\nm 1\n# TYPE m counter\n", 3, "second TYPE" },
        { "CRLF error line", "a 1\r\nb 2\r\nc x\r\n", 3, "invalid value" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Rejects_bad_input_with_line_and_reason(string because, string text, int line, string reasonPart)
    {
        var error = Fixtures.ParseError(text);
        Assert.True(line == error.Line, $"{because}: line {error.Line}, reason {error.Reason}");
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"line {line}: ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n\n")]
    [InlineData("# just a comment\n")]
    [InlineData("# EOF\n")]
    public void Empty_payloads_have_no_families(string text)
    {
        var payload = Fixtures.Parse(text);
        Assert.Empty(payload.Families);
        Assert.Equal(0, payload.SampleCount);
    }

    [Fact]
    public void Help_and_type_describe_the_family()
    {
        var payload = Fixtures.Parse("# HELP m Requests \\\\ per \\n second \\\"q\\\".\n# TYPE m counter\nm_total 3\n");
        var family = Assert.Single(payload.Families);
        Assert.Equal("m", family.Name);
        Assert.Equal(MetricType.Counter, family.Type);
        Assert.Equal("Requests \\ per \n second \\\"q\\\".", family.Help);
        Assert.Equal("m_total", Assert.Single(family.Samples).Name);
    }

    [Fact]
    public void Missing_type_gives_unknown_families_named_after_samples()
    {
        var payload = Fixtures.Parse("a 1\nb{x=\"1\"} 2\nb{x=\"2\"} 3\n");
        Assert.Equal(["a", "b"], payload.Families.Select(f => f.Name));
        Assert.All(payload.Families, f => Assert.Equal(MetricType.Unknown, f.Type));
        Assert.Equal(2, payload.Find("b")!.Samples.Count);
        Assert.Null(payload.Find("c"));
    }

    [Fact]
    public void Crlf_lines_parse_like_lf_lines()
    {
        const string Text = "# HELP m help text\n# TYPE m gauge\nm{a=\"x\"} 1.5\n";
        var lf = Fixtures.Parse(Text);
        var crlf = Fixtures.Parse(Text.Replace("\n", "\r\n", StringComparison.Ordinal));
        Assert.Equal("help text", crlf.Families[0].Help);
        Assert.Equal(lf.Families[0].Samples[0].ToString(), crlf.Families[0].Samples[0].ToString());
        Assert.Equal("x", crlf.Families[0].Samples[0].GetLabel("a"));
    }

    [Fact]
    public void Last_line_without_newline_is_parsed()
    {
        Assert.Equal(2, Fixtures.Parse("a 1\nb 2").SampleCount);
    }

    [Fact]
    public void Identical_duplicate_type_is_tolerated_and_merges()
    {
        var payload = Fixtures.Parse("# TYPE m gauge\nm{a=\"1\"} 1\n# TYPE m gauge\nm{a=\"2\"} 2\n");
        var family = Assert.Single(payload.Families);
        Assert.Equal(2, family.Samples.Count);
    }

    [Fact]
    public void Colons_in_names_and_counter_families_named_with_total()
    {
        var payload = Fixtures.Parse(
            "# TYPE vllm:prompt_tokens_total counter\nvllm:prompt_tokens_total{engine=\"0\"} 66.0\n" +
            "# TYPE vllm:prompt_tokens_created gauge\nvllm:prompt_tokens_created{engine=\"0\"} 1.7e+09\n");
        Assert.Equal(66, payload.Find("vllm:prompt_tokens_total")!.Samples[0].Value);
        Assert.Equal(MetricType.Gauge, payload.Find("vllm:prompt_tokens_created")!.Type);
    }

    [Fact]
    public void Histogram_named_with_total_keeps_its_buckets()
    {
        var payload = Fixtures.Parse(
            "# TYPE vllm:iteration_tokens_total histogram\n" +
            "vllm:iteration_tokens_total_bucket{le=\"1.0\"} 598.0\n" +
            "vllm:iteration_tokens_total_bucket{le=\"+Inf\"} 600.0\n" +
            "vllm:iteration_tokens_total_count 600.0\n" +
            "vllm:iteration_tokens_total_sum 666.0\n");
        var family = Assert.Single(payload.Families);
        Assert.Equal(MetricType.Histogram, family.Type);
        Assert.Equal(4, family.Samples.Count);
    }

    [Fact]
    public void Sum_before_buckets_and_openmetrics_created_stay_in_the_family()
    {
        var payload = Fixtures.Parse(
            "# TYPE h histogram\nh_sum 2.5\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_created 1.7e9\n" +
            "# TYPE c counter\n# UNIT c bytes\nc_total 5\nc_created 1.7e9\n# EOF\nthis is ignored after EOF\n");
        Assert.Equal(5, payload.Find("h")!.Samples.Count);
        Assert.Equal(2, payload.Find("c")!.Samples.Count);
        Assert.Equal(2, payload.Families.Count);
    }

    [Fact]
    public void Counter_without_total_suffix_is_its_own_family()
    {
        var payload = Fixtures.Parse("# TYPE tgi_request_success counter\ntgi_request_success 12\n");
        Assert.Equal(12, payload.Find("tgi_request_success")!.Samples[0].Value);
    }

    [Fact]
    public void Info_and_summary_families_group_their_samples()
    {
        var payload = Fixtures.Parse(
            "# TYPE build info\nbuild_info{version=\"1\"} 1\n" +
            "# TYPE s summary\ns{quantile=\"0.5\"} 0.1\ns{quantile=\"0.99\"} 0.9\ns_sum 3\ns_count 10\n");
        Assert.Equal(MetricType.Info, payload.Find("build")!.Type);
        Assert.Single(payload.Find("build")!.Samples);
        Assert.Equal(4, payload.Find("s")!.Samples.Count);
        Assert.Equal("0.99", payload.Find("s")!.Samples[1].GetLabel("quantile"));
    }

    [Fact]
    public void Samples_away_from_their_type_line_find_their_family()
    {
        var payload = Fixtures.Parse("# TYPE h histogram\nh_count 1\n# TYPE g gauge\ng 1\nh_sum 2\n");
        Assert.Equal(2, payload.Find("h")!.Samples.Count);
        Assert.Single(payload.Find("g")!.Samples);
    }

    [Fact]
    public void Samples_named_finds_samples_by_exact_name()
    {
        var payload = Fixtures.Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 3\n");
        Assert.Equal(2, payload.SamplesNamed("h_bucket").Count);
        Assert.Equal(3, payload.SamplesNamed("h_sum")[0].Value);
        Assert.Empty(payload.SamplesNamed("h"));
    }

    [Fact]
    public void Repeated_strings_are_interned()
    {
        var payload = Fixtures.Parse("m{model=\"q\"} 1\nm{model=\"q\"} 2\n");
        var samples = payload.Families[0].Samples;
        Assert.Same(samples[0].GetLabel("model"), samples[1].GetLabel("model"));
        Assert.Same(samples[0].Name, samples[1].Name);
    }

    [Fact]
    public void Other_comments_are_ignored()
    {
        var payload = Fixtures.Parse("# source: somewhere {\"odd\"}\n#\n  # indented comment\nm 1\n");
        Assert.Equal(1, payload.SampleCount);
    }
}
