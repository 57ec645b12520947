using Telemetry.Collector.Configuration;
using Telemetry.Collector.Otlp;

namespace Telemetry.Collector.Tests.Configuration;

public sealed class OtlpOptionsTests
{
    private static IReadOnlyList<string> Errors(OtlpOptions otlp) => CollectorOptionsValidator.Validate(new CollectorOptions { Otlp = otlp });

    [Fact]
    public void Push_is_off_by_default_and_then_nothing_else_is_checked()
    {
        var o = new OtlpOptions { Protocol = "carrier-pigeon", IntervalSeconds = -1 };
        Assert.False(o.Enabled);
        Assert.Empty(Errors(o));
    }

    [Fact]
    public void A_valid_push_configuration_passes()
    {
        Assert.Empty(Errors(new OtlpOptions { Endpoint = "http://otel:4318", Headers = "Authorization=Bearer abc==, X-Scope-OrgID=fleet" }));
        Assert.Empty(Errors(new OtlpOptions { Endpoint = "https://otel:4317", Protocol = "grpc", IntervalSeconds = 60, Timeout = 5 }));
    }

    [Fact]
    public void Each_problem_names_its_key_and_no_header_value_is_echoed()
    {
        var errors = Errors(new OtlpOptions
        {
            Endpoint = "otel:4318",
            Protocol = "http/json",
            IntervalSeconds = 0.5,
            Timeout = 0,
            Headers = "Authorization Bearer s3cr3t-value,=nokey",
        });
        Assert.Contains(errors, e => e.StartsWith("Collector:Otlp:Endpoint", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Otlp:Protocol", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Otlp:IntervalSeconds", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Otlp:Timeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Otlp:Headers: entry 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Otlp:Headers: entry 2", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
        Assert.DoesNotContain(errors, e => e.Contains("s3cr3t", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://otel:4318", "http/protobuf", "http://otel:4318/v1/metrics")]
    [InlineData("http://otel:4318/", "http/protobuf", "http://otel:4318/v1/metrics")]
    [InlineData("http://otel:4318/custom/path", "http/protobuf", "http://otel:4318/custom/path")]
    [InlineData("http://otel:4317", "grpc", "http://otel:4317/")]
    public void A_bare_http_endpoint_gets_the_metrics_path(string endpoint, string protocol, string expected) =>
        Assert.Equal(expected, OtlpPush.ResolveEndpoint(new OtlpOptions { Endpoint = endpoint, Protocol = protocol }).ToString());
}
