using System.Text;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Tests.Prometheus;

public sealed class ParserLimitTests
{
    [Fact]
    public void Payload_over_the_byte_limit_is_rejected_before_parsing()
    {
        var payload = new byte[PrometheusTextParser.MaxPayloadBytes + 1];
        payload.AsSpan().Fill((byte)'\n');
        var error = Fixtures.ParseError(payload);
        Assert.Equal(0, error.Line);
        Assert.Contains("over the 16777216-byte limit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_at_the_byte_limit_is_accepted()
    {
        var payload = new byte[PrometheusTextParser.MaxPayloadBytes];
        payload.AsSpan().Fill((byte)'\n');
        "m 1"u8.CopyTo(payload);
        Assert.Equal(1, Fixtures.Parse(payload).SampleCount);
    }

    [Fact]
    public void Too_many_samples_are_rejected_at_the_first_sample_over()
    {
        var text = new StringBuilder();
        for (var i = 0; i <= PrometheusTextParser.MaxSamples; i++)
        {
            text.Append("m 1\n");
        }

        var error = Fixtures.ParseError(text.ToString());
        Assert.Equal(PrometheusTextParser.MaxSamples + 1, error.Line);
        Assert.Contains("more than 200000 samples", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Exactly_the_sample_limit_is_accepted()
    {
        var text = new StringBuilder();
        for (var i = 0; i < PrometheusTextParser.MaxSamples; i++)
        {
            text.Append("m 1\n");
        }

        Assert.Equal(PrometheusTextParser.MaxSamples, Fixtures.Parse(text.ToString()).SampleCount);
    }

    [Fact]
    public void Too_many_families_are_rejected()
    {
        var text = new StringBuilder();
        for (var i = 0; i <= PrometheusTextParser.MaxFamilies; i++)
        {
            text.Append("# HELP m").Append(i).Append(" x\n");
        }

        var error = Fixtures.ParseError(text.ToString());
        Assert.Equal(PrometheusTextParser.MaxFamilies + 1, error.Line);
        Assert.Contains("metric families", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_over_the_length_limit_is_rejected()
    {
        var text = "ok 1\n# " + new string('x', PrometheusTextParser.MaxLineBytes) + "\n";
        var error = Fixtures.ParseError(text);
        Assert.Equal(2, error.Line);
        Assert.Contains("over the 65536-byte limit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_value_over_the_length_limit_is_rejected()
    {
        var text = "m{a=\"" + new string('v', PrometheusTextParser.MaxLabelValueBytes + 1) + "\"} 1\n";
        var error = Fixtures.ParseError(text);
        Assert.Equal(1, error.Line);
        Assert.Contains("over the 16384-byte limit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_value_at_the_length_limit_is_accepted()
    {
        var value = new string('v', PrometheusTextParser.MaxLabelValueBytes);
        var sample = Fixtures.Parse("m{a=\"" + value + "\"} 1\n").Families[0].Samples[0];
        Assert.Equal(value, sample.GetLabel("a"));
    }

    [Fact]
    public void Too_many_labels_are_rejected()
    {
        var labels = string.Join(',', Enumerable.Range(0, PrometheusTextParser.MaxLabelsPerSample + 1).Select(i => $"l{i}=\"v\""));
        var error = Fixtures.ParseError("ok 1\nm{" + labels + "} 1\n");
        Assert.Equal(2, error.Line);
        Assert.Contains("more than 128 labels", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_count_at_the_limit_is_accepted()
    {
        var labels = string.Join(',', Enumerable.Range(0, PrometheusTextParser.MaxLabelsPerSample).Select(i => $"l{i}=\"v{i}\""));
        var sample = Fixtures.Parse("m{" + labels + "} 1\n").Families[0].Samples[0];
        Assert.Equal(PrometheusTextParser.MaxLabelsPerSample, sample.Labels.Count);
        Assert.Equal("v127", sample.GetLabel("l127"));
    }
}
