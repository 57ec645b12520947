using Telemetry.Agent.Configuration;
using Telemetry.Agent.Doctor;
using Telemetry.Agent.Sharding;

namespace Telemetry.Agent.Tests.Doctor;

public sealed class CollectorAssignmentCheckTests
{
    [Fact]
    public void Says_which_shard_and_why()
    {
        var c = new CollectorClientOptions { Urls = ["http://c0:9464", "http://c1:9464", "http://c2:9464"] };
        var finding = CollectorAssignmentCheck.Run(c, "gpu-17", out var url);
        var expected = CollectorAssignment.For(c, "gpu-17");
        Assert.Equal(expected.Url, url);
        Assert.NotNull(finding);
        Assert.Equal(DoctorStatus.Ok, finding.Status);
        Assert.Equal($"node 'gpu-17' reports to {expected.Url}: {expected.Reason}; no failover: while that shard is down this node's backlog keeps its reports", finding.Finding);
    }

    [Fact]
    public void Names_the_single_collector_too()
    {
        var finding = CollectorAssignmentCheck.Run(new CollectorClientOptions { Url = "http://c:9464" }, "n", out var url);
        Assert.Equal("http://c:9464", url);
        Assert.Equal("node 'n' reports to http://c:9464: the one collector set by Agent:Collector:Url", finding?.Finding);
    }

    [Fact]
    public void Fails_when_no_collector_can_be_chosen()
    {
        var finding = CollectorAssignmentCheck.Run(new CollectorClientOptions { Url = "http://a:9464", Urls = ["http://b:9464", "http://c:9464"] }, "n", out var url);
        Assert.Null(url);
        Assert.Equal(DoctorStatus.Failed, finding?.Status);
        Assert.Contains("not both", finding?.Finding, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_single_url_is_left_to_the_reachability_check_to_name()
    {
        var finding = CollectorAssignmentCheck.Run(new CollectorClientOptions { Url = "collector:9464" }, "n", out var url);
        Assert.Null(finding);
        Assert.Equal("collector:9464", url);
    }
}
