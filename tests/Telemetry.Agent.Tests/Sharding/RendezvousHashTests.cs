using Telemetry.Agent.Sharding;

namespace Telemetry.Agent.Tests.Sharding;

public sealed class RendezvousHashTests
{
    private const int Nodes = 10_000;

    private static readonly string[] NodeIds = [.. Enumerable.Range(0, Nodes).Select(i => $"gpu-node-{i:D5}")];

    private static List<string> Collectors(int n) => [.. Enumerable.Range(0, n).Select(i => $"http://collector-{i}.telemetry.svc:9464")];

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Spreads_ten_thousand_nodes_evenly(int collectors)
    {
        var buckets = Collectors(collectors);
        var counts = new int[collectors];
        foreach (var node in NodeIds)
        {
            counts[RendezvousHash.Pick(node, buckets)]++;
        }

        // Fair share ±10%: measured 2.4–5.3% off (binomial σ is 1.0–2.6% of the share for 2–8 collectors).
        var share = (double)Nodes / collectors;
        foreach (var c in counts)
        {
            Assert.InRange(c, share * 0.9, share * 1.1);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void Adding_a_collector_moves_only_the_nodes_it_takes_about_one_in_n(int before)
    {
        var old = Collectors(before);
        var grown = Collectors(before + 1);
        var moved = 0;
        foreach (var node in NodeIds)
        {
            var was = old[RendezvousHash.Pick(node, old)];
            var now = grown[RendezvousHash.Pick(node, grown)];
            if (was != now)
            {
                Assert.Equal(grown[^1], now); // a node never moves between two old collectors
                moved++;
            }
        }

        var expected = (double)Nodes / (before + 1);
        Assert.InRange(moved, expected * 0.9, expected * 1.1);
    }

    [Fact]
    public void Removing_a_collector_moves_only_its_own_nodes()
    {
        var all = Collectors(5);
        var without = all.Where((_, i) => i != 2).ToList();
        foreach (var node in NodeIds)
        {
            var was = all[RendezvousHash.Pick(node, all)];
            var now = without[RendezvousHash.Pick(node, without)];
            if (was != all[2])
            {
                Assert.Equal(was, now);
            }
        }
    }

    [Fact]
    public void The_order_of_the_list_does_not_matter()
    {
        var list = Collectors(6);
        var reversed = Enumerable.Reverse(list).ToList();
        foreach (var node in NodeIds.Take(2000))
        {
            Assert.Equal(list[RendezvousHash.Pick(node, list)], reversed[RendezvousHash.Pick(node, reversed)]);
        }
    }

    // Pinned values: every agent version must agree on every node's shard, or an upgrade would reshuffle the
    // fleet (and split nodes' counters across shards for a while). A change here is a breaking change.
    // The values come from an independent Python implementation of FNV-1a 64 + fmix64 (docs/scale-out.md).
    [Theory]
    [InlineData("gpu-node-00000", "http://collector-0.telemetry.svc:9464", 0x2E439AC5BA1587A6UL)]
    [InlineData("node-a", "http://10.0.0.7:9464", 0x0636FAE41968FEE1UL)]
    [InlineData("ノード-7", "https://collector.example:443", 0x42C40EBA105B7B95UL)]
    public void Scores_are_the_same_in_every_process_and_version(string node, string collector, ulong expected) =>
        Assert.Equal(expected, RendezvousHash.Score(node, collector));

    [Fact]
    public void Key_and_bucket_boundaries_are_not_ambiguous() =>
        Assert.NotEqual(RendezvousHash.Score("ab", "c"), RendezvousHash.Score("a", "bc"));

    [Fact]
    public void A_long_node_id_hashes_like_any_other() =>
        Assert.NotEqual(RendezvousHash.Score(new string('x', 1000), "http://c:1"), RendezvousHash.Score(new string('x', 999), "http://c:1"));

    [Fact]
    public void An_empty_list_is_refused() =>
        Assert.Throws<ArgumentException>(() => RendezvousHash.Pick("n", []));
}
