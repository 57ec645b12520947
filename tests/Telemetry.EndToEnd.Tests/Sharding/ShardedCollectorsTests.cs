using System.Net;
using System.Text.Json;
using Telemetry.EndToEnd.Tests.Dashboards;
using Xunit.Abstractions;

namespace Telemetry.EndToEnd.Tests.Sharding;

/// <summary>
/// Scale-out (issue 8 item 5, docs/scale-out.md): agents shard themselves over two collectors; a real Prometheus
/// scrapes both with the shipped recording rules; the fleet tokens per joule it records must equal that of one
/// collector (C) that saw every report, within 1% — and the ground truth. A second real Prometheus scrapes C in
/// parts (<c>/metrics?part=i&amp;parts=3</c>, three targets configured as docs/scale-out.md shows): each node must be
/// in exactly one part, under that part's <c>instance</c>, and the same rules over the parts must give C's own fleet
/// ratio within 1%. See <see cref="ShardedFleet"/>.
/// </summary>
[Collection("processes")]
public sealed class ShardedCollectorsTests(ITestOutputHelper output)
{
    /// <summary>Parts C is scraped in. Three nodes hash anywhere, so some runs also scrape a part without nodes.</summary>
    private const int Parts = 3;

    [Fact]
    public async Task Fleet_tokens_per_joule_from_recording_rules_over_two_shards_equals_one_collectors_within_one_percent()
    {
        await using var fleet = await ShardedFleet.StartAsync();
        var rules = ShortRangeRules(fleet);
        using var prometheus = RealPrometheus.StartScraping([new Uri(fleet.ShardA).Authority, new Uri(fleet.ShardB).Authority], [rules]);
        var reference = new Uri(fleet.Reference).Authority;
        var partsConfig = PartsScrapeConfig(reference);
        output.WriteLine($"scrape config of the parts-Prometheus:\n{partsConfig}");
        using var parts = RealPrometheus.StartWith(partsConfig, rules);
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
        await AssertPartsAsync(fleet, parts, reference, all);

        // Every raw series older than the rules' 90-s range (scraped at least 92 times in the last 95 s), then one
        // more rule evaluation. A longer range averages out reports that reach the collector late on a loaded machine.
        // Both Prometheus servers, started together, wait for the same conditions.
        const string Filled = "min(count_over_time(inference_tokens_total[95s])) >= 92";
        await Poll.UntilAsync(async () => await prometheus.QueryAsync(Filled) is not null && await parts.QueryAsync(Filled) is not null,
            TimeSpan.FromSeconds(120), () => $"not yet {Filled}: over A+B {prometheus.QueryAsync(Filled).GetAwaiter().GetResult()}, "
                + $"over C's parts {parts.QueryAsync(Filled).GetAwaiter().GetResult()}\n{fleet.Logs}");
        var filled = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const string Recorded = "fleet:inference_tokens_per_joule:ratio_rate5m{token_type=\"TYPE\"}";
        var evaluated = $"timestamp({Recorded.Replace("TYPE", "total", StringComparison.Ordinal)})";
        await Poll.UntilAsync(async () => await prometheus.QueryAsync(evaluated) > filled + 2 && await parts.QueryAsync(evaluated) > filled + 2,
            TimeSpan.FromSeconds(30), () => $"no rule evaluation after {filled + 2}: over A+B {prometheus.QueryAsync(evaluated).GetAwaiter().GetResult()} "
                + $"(target {prometheus.TargetHealthAsync().GetAwaiter().GetResult()}), over C's parts {parts.QueryAsync(evaluated).GetAwaiter().GetResult()}\n{fleet.Logs}");

        foreach (var (type, tokens) in new (string, Func<ShardedFleet.NodeProfile, double>)[] { ("total", n => n.TotalPerSecond), ("output", n => n.OutputPerSecond) })
        {
            var kpiOfC = await FleetKpiAsync(fleet, type);
            var recorded = await prometheus.QueryAsync(Recorded.Replace("TYPE", type, StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"no {type} fleet ratio recorded over A+B\n{fleet.Logs}");
            var recordedOverParts = await parts.QueryAsync(Recorded.Replace("TYPE", type, StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"no {type} fleet ratio recorded over C's {Parts} parts\n{fleet.Logs}");
            var truth = ShardedFleet.FleetTokensPerJoule(tokens);
            AssertWithin(kpiOfC, recorded, $"{type} tokens/J: recording rules over A+B vs collector C");
            AssertWithin(kpiOfC, recordedOverParts, $"{type} tokens/J: recording rules over C's {Parts} parts vs collector C");
            AssertWithin(truth, kpiOfC, $"{type} tokens/J: collector C vs ground truth");

            // The trap the rules avoid: the mean of the shards' own fleet ratios is far from the fleet's.
            var mean = await prometheus.QueryAsync($"avg(inference_kpi_tokens_per_joule{{scope=\"fleet\",window=\"1m\",token_type=\"{type}\"}})") ?? 0;
            output.WriteLine($"{type}: mean of per-shard fleet ratios {mean:0.0000} vs fleet {truth:0.0000}");
            Assert.True(Math.Abs(mean - truth) / truth > 0.5, $"per-shard mean {mean} unexpectedly close to {truth}: the scenario no longer tells the two apart");
        }
    }

    /// <summary>
    /// Scrape config of C in <see cref="Parts"/> parts as a user writes it (docs/scale-out.md): one target per part,
    /// <c>__param_*</c> static labels become the URL's query parameters, and each part gets its own <c>instance</c>
    /// so the parts' series do not collide.
    /// </summary>
    private static string PartsScrapeConfig(string target)
    {
        var targets = Enumerable.Range(0, Parts).Select(i => $$"""
                  - targets: ["{{target}}"]
                    labels: {__param_part: "{{i}}", __param_parts: "{{Parts}}", instance: "{{target}}/part-{{i}}"}
            """);
        return $"""
              - job_name: inference-telemetry
                static_configs:
            {string.Join("\n", targets)}
            """;
    }

    /// <summary>
    /// C in parts: every part target up; each node in exactly one part's body and, in Prometheus, exactly once and
    /// under that part's instance; fleet-wide rows only in part 0; a part beyond the count refused with a reason.
    /// </summary>
    private async Task AssertPartsAsync(ShardedFleet fleet, RealPrometheus parts, string target, IReadOnlyList<string> nodes)
    {
        string Instance(int part) => $"{target}/part-{part}";

        var targets = await parts.TargetsAsync();
        Assert.True(targets.Count == Parts && targets.All(t => t.Health == "up"),
            $"expected {Parts} part targets up, Prometheus has: {string.Join("; ", targets.Select(t => $"{t.Job} {t.Health} '{t.LastError}'"))}");
        var up = await parts.QueryAllAsync("up") ?? throw new Xunit.Sdk.XunitException("parts-Prometheus did not answer");
        var upInstances = up.Series.Where(s => s.Value == 1).Select(s => s.Labels.GetValueOrDefault("instance")).Order(StringComparer.Ordinal);
        Assert.True(upInstances.SequenceEqual(Enumerable.Range(0, Parts).Select(Instance)),
            $"up == 1 for instances [{string.Join(", ", upInstances)}], expected {Parts} parts of {target}");

        // The part each node is in, from C's own answers: exactly one part's body has the node.
        var bodies = await Task.WhenAll(Enumerable.Range(0, Parts).Select(i => fleet.Http.GetStringAsync($"{fleet.Reference}/metrics?part={i}&parts={Parts}")));
        var partOf = new Dictionary<string, int>();
        foreach (var node in nodes)
        {
            var inParts = Enumerable.Range(0, Parts).Where(i => ExpositionText.Find(bodies[i], "inference_node_up", ("node", node)) is not null).ToList();
            Assert.True(inParts.Count == 1, $"node {node} is in parts [{string.Join(", ", inParts)}] of C's /metrics?parts={Parts}, expected exactly one");
            partOf[node] = inParts[0];
            output.WriteLine($"node {node}: part {inParts[0]} of {Parts}");
        }

        var perNode = await parts.QueryAllAsync("count by (node) (inference_node_up)") ?? throw new Xunit.Sdk.XunitException("parts-Prometheus did not answer");
        var counts = perNode.Series.ToDictionary(s => s.Labels.GetValueOrDefault("node") ?? "", s => s.Value);
        Assert.True(counts.Keys.Order(StringComparer.Ordinal).SequenceEqual(nodes.Order(StringComparer.Ordinal)) && counts.Values.All(c => c == 1),
            $"inference_node_up per node over C's parts: {string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"))}; expected each of [{string.Join(", ", nodes)}] once");

        // Every scraped series of a node (recorded ones carry no instance) under the instance of its part, and only there.
        var nodeInstances = await parts.QueryAllAsync("count by (node, instance) ({node!=\"\", instance!=\"\"})")
            ?? throw new Xunit.Sdk.XunitException("parts-Prometheus did not answer");
        foreach (var node in nodes)
        {
            var instances = nodeInstances.Series.Where(s => s.Labels.GetValueOrDefault("node") == node).Select(s => s.Labels["instance"]).ToList();
            Assert.True(instances.Count == 1 && instances[0] == Instance(partOf[node]),
                $"node {node}'s series carry instances [{string.Join(", ", instances)}], expected only {Instance(partOf[node])}");
        }

        var fleetRows = await parts.QueryAllAsync("count by (instance) (inference_kpi_tokens_per_joule{scope=\"fleet\"})")
            ?? throw new Xunit.Sdk.XunitException("parts-Prometheus did not answer");
        Assert.True(fleetRows.Series.Count == 1 && fleetRows.Series[0].Labels.GetValueOrDefault("instance") == Instance(0),
            $"fleet-scope KPI rows under instances [{string.Join(", ", fleetRows.Series.Select(s => s.Labels.GetValueOrDefault("instance")))}], expected only {Instance(0)}");

        using var beyond = await fleet.Http.GetAsync($"{fleet.Reference}/metrics?part={Parts}&parts={Parts}");
        var refusal = await beyond.Content.ReadAsStringAsync();
        Assert.True(beyond.StatusCode == HttpStatusCode.BadRequest && refusal.Contains($"from 0 to {Parts - 1}", StringComparison.Ordinal),
            $"/metrics?part={Parts}&parts={Parts} answered {(int)beyond.StatusCode}: {refusal}; expected 400 saying the part is from 0 to {Parts - 1}");
        using var error = JsonDocument.Parse(refusal);
        Assert.Contains($"from 0 to {Parts - 1}", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
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
