using System.Text.Json;
using Telemetry.EndToEnd.Tests.Dashboards;
using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests.Sharding;

/// <summary>
/// Scale-out (issue 8 item 5, docs/scale-out.md): agents shard themselves over two collectors; a real Prometheus
/// scrapes both with the shipped recording rules; the fleet tokens per joule it records must equal that of one
/// collector (C) that saw every report, within 1% — and the ground truth. See <see cref="ShardedFleet"/>.
/// </summary>
[Collection("processes")]
public sealed class ShardedCollectorsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fleet_tokens_per_joule_from_recording_rules_over_two_shards_equals_one_collectors_within_one_percent()
    {
        await using var fleet = await ShardedFleet.StartAsync();
        using var prometheus = RealPrometheus.StartScraping([new Uri(fleet.ShardA).Authority, new Uri(fleet.ShardB).Authority], [ShortRangeRules(fleet)]);
        var all = new[] { fleet.NodeA }.Concat(fleet.NodesB).ToList();

        // C's 1-minute window holds a full minute of every node, and so do A's and B's node scopes.
        await Poll.UntilAsync(async () => await CoveredAsync(fleet.Reference, all) >= 60
            && await CoveredAsync(fleet.ShardA, [fleet.NodeA]) >= 60 && await CoveredAsync(fleet.ShardB, fleet.NodesB) >= 60,
            TimeSpan.FromSeconds(150), () => fleet.Logs);

        // Each node reported to the shard its hash chose, and only there (the agents' choice, not the test's).
        var metricsA = await fleet.Http.GetStringAsync(fleet.ShardA + "/metrics");
        var metricsB = await fleet.Http.GetStringAsync(fleet.ShardB + "/metrics");
        Assert.Equal(1, ExpositionText.Find(metricsA, "inference_node_up", ("node", fleet.NodeA)));
        Assert.Null(ExpositionText.Find(metricsB, "inference_node_up", ("node", fleet.NodeA)));
        foreach (var node in fleet.NodesB)
        {
            Assert.Equal(1, ExpositionText.Find(metricsB, "inference_node_up", ("node", node)));
            Assert.Null(ExpositionText.Find(metricsA, "inference_node_up", ("node", node)));
        }

        Assert.All(fleet.Agents, a => Assert.Contains("chosen by rendezvous hash of node id", a.Output, StringComparison.Ordinal));

        // Every raw series older than the rules' 90-s range (scraped at least 92 times in the last 95 s), then one
        // more rule evaluation. A longer range averages out reports that reach the collector late on a loaded machine.
        await Poll.UntilAsync(async () => await prometheus.QueryAsync("min(count_over_time(inference_tokens_total[95s])) >= 92") is not null,
            TimeSpan.FromSeconds(120), () => fleet.Logs);
        var filled = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const string Recorded = "fleet:inference_tokens_per_joule:ratio_rate5m{token_type=\"TYPE\"}";
        await Poll.UntilAsync(async () => await prometheus.QueryAsync($"timestamp({Recorded.Replace("TYPE", "total", StringComparison.Ordinal)})") > filled + 2,
            TimeSpan.FromSeconds(30), () => $"prometheus targets: {prometheus.TargetHealthAsync().GetAwaiter().GetResult()}\n{fleet.Logs}");

        foreach (var (type, tokens) in new (string, Func<ShardedFleet.NodeProfile, double>)[] { ("total", n => n.TotalPerSecond), ("output", n => n.OutputPerSecond) })
        {
            var reference = await FleetKpiAsync(fleet, type);
            var recorded = await prometheus.QueryAsync(Recorded.Replace("TYPE", type, StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"no {type} fleet ratio recorded\n{fleet.Logs}");
            var truth = ShardedFleet.FleetTokensPerJoule(tokens);
            AssertWithin(reference, recorded, $"{type} tokens/J: recording rules over A+B vs collector C");
            AssertWithin(truth, reference, $"{type} tokens/J: collector C vs ground truth");

            // The trap the rules avoid: the mean of the shards' own fleet ratios is far from the fleet's.
            var mean = await prometheus.QueryAsync($"avg(inference_kpi_tokens_per_joule{{scope=\"fleet\",window=\"1m\",token_type=\"{type}\"}})") ?? 0;
            output.WriteLine($"{type}: mean of per-shard fleet ratios {mean:0.0000} vs fleet {truth:0.0000}");
            Assert.True(Math.Abs(mean - truth) / truth > 0.5, $"per-shard mean {mean} unexpectedly close to {truth}: the scenario no longer tells the two apart");
        }
    }

    /// <summary>
    /// The shipped recording rules with every <c>[5m]</c> range cut to <c>[90s]</c>: a range longer than the
    /// series' life makes <c>rate()</c> divide a short increase by the whole range, weighting nodes by how long
    /// they have existed — honest in production after 5 minutes, but this test cannot wait that long. The
    /// aggregation under test (numerators and denominators summed across shards, then divided) is unchanged.
    /// </summary>
    private static string ShortRangeRules(ShardedFleet fleet)
    {
        var rules = File.ReadAllText(Path.Combine(DashboardPaths.Rules, "recording.yaml"));
        Assert.Contains("[5m]", rules, StringComparison.Ordinal);
        return fleet.WriteFile("recording-90s.yaml", rules.Replace("[5m]", "[90s]", StringComparison.Ordinal));
    }

    private static async Task<double> FleetKpiAsync(ShardedFleet fleet, string tokenType)
    {
        var metrics = await fleet.Http.GetStringAsync(fleet.Reference + "/metrics");
        return ExpositionText.Find(metrics, "inference_kpi_tokens_per_joule", ("scope", "fleet"), ("window", "1m"), ("token_type", tokenType))
            ?? throw new Xunit.Sdk.XunitException($"collector C has no fleet {tokenType} tokens/J:\n{metrics}");
    }

    /// <summary>The least covered_seconds of the given nodes' 1m node scope on a collector; 0 when one is missing.</summary>
    private static async Task<double> CoveredAsync(string collector, IReadOnlyList<string> nodes)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string json;
        try
        {
            json = await http.GetStringAsync($"{collector}/api/v1/kpis?scope=node&window=1m");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }

        using var doc = JsonDocument.Parse(json);
        var covered = doc.RootElement.GetProperty("kpis").EnumerateArray()
            .ToDictionary(k => k.GetProperty("labels").GetProperty("node").GetString()!, k => k.GetProperty("covered_seconds").GetDouble());
        return nodes.Min(n => covered.GetValueOrDefault(n));
    }

    private void AssertWithin(double expected, double actual, string what, double tolerance = 0.01)
    {
        var error = Math.Abs(actual - expected) / expected;
        output.WriteLine($"{what}: expected {expected:0.000000}, measured {actual:0.000000} ({error:P3} off)");
        Assert.True(error <= tolerance, $"{what}: expected {expected:0.000000} ± {tolerance:P0}, got {actual:0.000000} ({error:P2} off)");
    }
}
