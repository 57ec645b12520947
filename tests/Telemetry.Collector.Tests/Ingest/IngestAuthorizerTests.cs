using System.Net;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Ingest;

namespace Telemetry.Collector.Tests.Ingest;

public sealed class IngestAuthorizerTests
{
    private static readonly IngestAuthorizer Authorizer = new(new AuthOptions
    {
        Tokens =
        [
            new IngestTokenOptions { Token = "token-for-node-a-0123", Nodes = ["a"] },
            new IngestTokenOptions { Token = "token-for-any-node-456", Nodes = ["*"] },
        ],
    });

    [Fact]
    public void A_token_may_report_for_its_own_node() =>
        Assert.Null(Authorizer.Authorize("Bearer token-for-node-a-0123", "a", IPAddress.Parse("10.0.0.1")));

    [Fact]
    public void A_token_cannot_report_for_another_node()
    {
        var denied = Authorizer.Authorize("Bearer token-for-node-a-0123", "b", IPAddress.Loopback);
        Assert.Equal(RejectReason.Forbidden, denied?.Reason);
        Assert.DoesNotContain("token-for-node-a", denied?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_token_may_report_for_any_node() =>
        Assert.Null(Authorizer.Authorize("bearer token-for-any-node-456", "zzz", IPAddress.Loopback));

    [Theory]
    [InlineData(null)]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer wrong-token-000000000")]
    public void A_missing_or_unknown_token_is_unauthorized(string? header) =>
        Assert.Equal(RejectReason.Unauthorized, Authorizer.Authorize(header, "a", IPAddress.Loopback)?.Reason);

    [Fact]
    public void Open_ingest_accepts_loopback_only()
    {
        var open = new IngestAuthorizer(new AuthOptions());
        Assert.Null(open.Authorize(null, "a", IPAddress.Loopback));
        Assert.Null(open.Authorize(null, "a", IPAddress.IPv6Loopback));
        Assert.Equal(RejectReason.Forbidden, open.Authorize(null, "a", IPAddress.Parse("192.0.2.7"))?.Reason);
    }
}
