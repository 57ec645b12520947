using Telemetry.Collector.Security;

namespace Telemetry.Collector.Tests.Security;

public sealed class ReadAuthorizerTests
{
    private static readonly ReadAuthorizer Authorizer = new(["read-token-prometheus-01", "read-token-grafana-0002"]);

    [Theory]
    [InlineData("Bearer read-token-prometheus-01")]
    [InlineData("bearer read-token-grafana-0002")]
    [InlineData("Bearer  read-token-grafana-0002 ")]
    public void A_configured_token_may_read(string header) => Assert.True(Authorizer.Allows(header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer ")]
    [InlineData("Bearer read-token-prometheus-0")]
    [InlineData("Bearer read-token-prometheus-012")]
    [InlineData("Basic cmVhZC10b2tlbi1wcm9tZXRoZXVzLTAx")]
    [InlineData("read-token-prometheus-01")]
    public void Anything_else_may_not(string? header) => Assert.False(Authorizer.Allows(header));

    [Fact]
    public void Without_read_tokens_reads_are_open()
    {
        var open = new ReadAuthorizer([]);
        Assert.True(open.IsOpen);
        Assert.True(open.Allows(null));
        Assert.False(Authorizer.IsOpen);
    }

    [Fact]
    public void A_very_long_header_is_refused_not_crashed_on() =>
        Assert.False(Authorizer.Allows("Bearer " + new string('x', 100_000)));
}
