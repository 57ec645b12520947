using Telemetry.Agent.Configuration;
using Telemetry.Agent.Sharding;

namespace Telemetry.Agent.Tests.Sharding;

public sealed class CollectorAssignmentTests
{
    private static List<string> Validate(CollectorClientOptions c)
    {
        var errors = new List<string>();
        CollectorUrlsValidator.Validate(c, errors);
        return errors;
    }

    [Fact]
    public void Nothing_set_means_the_default_collector()
    {
        var a = CollectorAssignment.For(new CollectorClientOptions(), "n1");
        Assert.Equal(CollectorClientOptions.DefaultUrl, a.Url);
        Assert.Contains("default", a.Reason, StringComparison.Ordinal);
        Assert.Empty(Validate(new CollectorClientOptions()));
    }

    [Fact]
    public void Url_is_a_fixed_assignment()
    {
        var a = CollectorAssignment.For(new CollectorClientOptions { Url = "http://c7:9464" }, "n1");
        Assert.Equal("http://c7:9464", a.Url);
        Assert.Contains("Agent:Collector:Url", a.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Urls_shards_by_node_and_says_which_shard()
    {
        var c = new CollectorClientOptions { Urls = ["http://a:9464", "http://b:9464", "http://c:9464"] };
        var picked = Enumerable.Range(0, 300).Select(i => CollectorAssignment.For(c, $"node-{i}")).ToList();
        Assert.Equal(3, picked.Select(p => p.Url).Distinct().Count());
        var first = picked[0];
        Assert.Matches(@"^shard [0-2] of 3 in Agent:Collector:Urls, chosen by rendezvous hash of node id 'node-0'$", first.Reason);
        Assert.Equal(c.Urls.IndexOf(first.Url), int.Parse(first.Reason.AsSpan(6, 1), provider: null));
    }

    [Fact]
    public void Spelling_differences_in_a_url_do_not_move_a_node()
    {
        var plain = new CollectorClientOptions { Urls = ["http://a:9464", "http://b:9464", "http://c:9464"] };
        var spelled = new CollectorClientOptions { Urls = ["HTTP://A:9464/", "http://b:9464", " http://c:9464 "] };
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(
                plain.Urls.IndexOf(CollectorAssignment.For(plain, $"n{i}").Url),
                spelled.Urls.Select(u => u.Trim()).ToList().IndexOf(CollectorAssignment.For(spelled, $"n{i}").Url));
        }
    }

    [Fact]
    public void Url_and_a_one_element_list_naming_the_same_collector_are_accepted()
    {
        var c = new CollectorClientOptions { Url = "http://a:9464", Urls = ["http://a:9464/"] };
        Assert.Empty(Validate(c));
        Assert.Equal("http://a:9464/", CollectorAssignment.For(c, "n").Url);
    }

    [Fact]
    public void Url_and_a_different_list_are_refused()
    {
        var errors = Validate(new CollectorClientOptions { Url = "http://a:9464", Urls = ["http://a:9464", "http://b:9464"] });
        Assert.Equal("Agent:Collector:Url and Agent:Collector:Urls are both set: use Url for one collector or Urls:N for shards, not both (Url 'http://a:9464', Urls has 2)", Assert.Single(errors));
        Assert.Single(Validate(new CollectorClientOptions { Url = "http://a:9464", Urls = ["http://b:9464"] }));
    }

    [Fact]
    public void Bad_and_repeated_shards_are_named_by_index()
    {
        var errors = Validate(new CollectorClientOptions { Urls = ["http://a:9464", "collector-b:9464", "ftp://c", "http://A:9464/"] });
        Assert.Equal(3, errors.Count);
        Assert.StartsWith("Agent:Collector:Urls:1 'collector-b:9464' is not an http(s) URL", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Agent:Collector:Urls:2 'ftp://c' is not an http(s) URL", errors[1], StringComparison.Ordinal);
        Assert.Equal("Agent:Collector:Urls:3 'http://A:9464/' repeats Agent:Collector:Urls:0: list each collector shard once", errors[2]);
    }

    [Fact]
    public void A_bad_url_is_named()
    {
        var error = Assert.Single(Validate(new CollectorClientOptions { Url = "collector:9464" }));
        Assert.StartsWith("Agent:Collector:Url 'collector:9464' is not an http(s) URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_agent_validator_includes_the_collector_checks() =>
        Assert.Contains(AgentOptionsValidator.Validate(new AgentOptions { Collector = new CollectorClientOptions { Urls = ["nope"] } }),
            e => e.StartsWith("Agent:Collector:Urls:0 'nope'", StringComparison.Ordinal));
}
