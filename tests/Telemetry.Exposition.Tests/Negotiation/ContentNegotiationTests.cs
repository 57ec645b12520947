namespace Telemetry.Exposition.Tests.Negotiation;

public sealed class ContentNegotiationTests
{
    private const ExpositionFormat Text = ExpositionFormat.PrometheusText004;
    private const ExpositionFormat OpenMetrics = ExpositionFormat.OpenMetrics100;

    public static readonly TheoryData<string?, ExpositionFormat> Cases = new()
    {
        // Missing or uninformative.
        { null, Text },
        { "", Text },
        { "   ", Text },
        { "*/*", Text },
        { "text/plain", Text },
        { "text/plain; version=0.0.4; charset=utf-8", Text },
        { "application/json", Text },

        // Asked for explicitly.
        { "application/openmetrics-text", OpenMetrics },
        { "application/openmetrics-text; version=1.0.0", OpenMetrics },
        { "application/openmetrics-text;version=1.0.0;charset=utf-8", OpenMetrics },
        { "APPLICATION/OpenMetrics-Text; VERSION=\"1.0.0\"", OpenMetrics },
        { "application/openmetrics-text;version=0.0.1", Text },
        { "application/openmetrics-text;version=2.0.0", Text },

        // Prometheus 2.x scrape header.
        {
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," +
            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            OpenMetrics
        },

        // Prometheus 3.x scrape header (content_negotiation.md).
        {
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5," +
            "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3," +
            "text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
            OpenMetrics
        },

        // Prometheus 3 with fallback_scrape_protocol / scrape_protocols preferring text.
        { "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5", Text },

        // q-values decide; a tie goes to text.
        { "application/openmetrics-text;q=0.5, text/plain;q=0.5", Text },
        { "application/openmetrics-text;q=0.501, text/plain;q=0.5", OpenMetrics },
        { "application/openmetrics-text;q=0.1, */*", Text },
        { "application/openmetrics-text;q=0.9, text/*;q=0.8", OpenMetrics },
        { "application/openmetrics-text;q=0.001", OpenMetrics },
        { "application/openmetrics-text;q=0", Text },
        { "application/openmetrics-text;q=1.000", OpenMetrics },
        { "application/openmetrics-text;version=0.0.1, application/openmetrics-text;version=1.0.0;q=0.2, text/plain;q=0.1", OpenMetrics },
        { " application/openmetrics-text ; q=0.8 ,, text/plain ; q=0.7 ", OpenMetrics },

        // Malformed: fall back to text.
        { "application/openmetrics-text;q=abc", Text },
        { "application/openmetrics-text;q=2", Text },
        { "application/openmetrics-text;q=1.5", Text },
        { "application/openmetrics-text;q=0.1234", Text },
        { "application/openmetrics-text;q=-0.5", Text },
        { "application/openmetrics-text;q=", Text },
        { "application/openmetrics-text;version", Text },
        { "application/openmetrics-text;=1", Text },
        { "openmetrics", Text },
        { "application/openmetrics-text, garbage", Text },
        { "application/", Text },
        { "application/openmetrics-text;;q=1", Text },
        { ";;;", Text },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Choose_picks_openmetrics_only_when_explicitly_preferred(string? accept, ExpositionFormat expected)
    {
        Assert.Equal(expected, ContentNegotiation.Choose(accept));
    }

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004, "text/plain; version=0.0.4; charset=utf-8")]
    [InlineData(ExpositionFormat.OpenMetrics100, "application/openmetrics-text; version=1.0.0; charset=utf-8")]
    public void ContentType_is_the_exact_media_type_with_version_and_charset(ExpositionFormat format, string expected)
    {
        Assert.Equal(expected, ContentNegotiation.ContentType(format));
    }

    [Fact]
    public void ContentType_rejects_unknown_formats()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ContentNegotiation.ContentType((ExpositionFormat)42));
    }
}
