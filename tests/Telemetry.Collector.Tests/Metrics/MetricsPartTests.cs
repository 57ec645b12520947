using System.Globalization;
using System.Text;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Metrics;
using Telemetry.Exposition;
using Telemetry.Wire;
using Telemetry.Wire.Sketches;

namespace Telemetry.Collector.Tests.Metrics;

/// <summary>
/// /metrics in parts (<c>?part=i&amp;parts=n</c>): the parts of one n together are the whole exposition, sample for
/// sample, each node's series in the part its name hashes to and everything else in part 0.
/// </summary>
public sealed class MetricsPartTests
{
    private const int Nodes = 30;
    private const int Seconds = 20;

    /// <summary>Collector time: each report received as sent (no clock offset), then the scrape.</summary>
    private sealed class Clock : TimeProvider
    {
        public long Ms { get; set; }

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Ms);
    }

    private static void Ingest(CollectorService service, Clock clock, NodeReport report)
    {
        clock.Ms = report.SentTimeUnixMs;
        Assert.Null(service.Ingest(report).Error);
    }

    /// <summary>
    /// 30 nodes of three shapes for 20 s, every fourth with a metering proxy in front of its first server (so part 0's
    /// wider scopes take their latency from sketches merged over servers in every part), and a node gone stale.
    /// </summary>
    private static CollectorService Fleet()
    {
        var options = new CollectorOptions
        {
            Windows = ["1m"],
            Cost = new CostOptions
            {
                Sites = [new SiteCostOptions { Name = "s1", PricePerKwhUsd = 0.12, Pue = 1.3, NodeHourlyUsd = 1 }],
                Gpus = [new GpuCostOptions { Match = "H100", HourlyUsd = 2.5 }],
            },
            Tiers = [new TierOptions { Name = "gold", PricePerMillionTokensUsd = 20, TtftSloSeconds = 0.5 }],
        };
        var clock = new Clock();
        var service = new CollectorService(options, clock);
        var nodes = Enumerable.Range(0, Nodes).Select(i => (Name: $"node-{i:D2}", Agent: new RichNode($"node-{i:D2}", 1 + (i % 3)))).ToArray();
        for (var s = 0; s < Seconds; s++)
        {
            foreach (var (name, agent) in nodes)
            {
                var report = agent.Next();
                if (name == "node-07" && s >= 5)
                {
                    continue; // silent since second 5: stale at the end
                }

                if (name.EndsWith('0') || name.EndsWith('4') || name.EndsWith('8'))
                {
                    report.Servers[0].ProxyStreams.Add(ProxyStream(s, name.EndsWith('4') ? 0.4 : 0.1));
                }

                Ingest(service, clock, report);
            }
        }

        clock.Ms = RichNode.T0 + ((Seconds + 1) * 1000);
        return service;
    }

    private static ProxyStreamSample ProxyStream(int second, double e2e)
    {
        var sketch = new LogSketch();
        for (var i = 0; i < 10; i++)
        {
            sketch.Add(e2e * (1 + (i / 10.0)));
        }

        var stream = new ProxyStreamSample
        {
            Model = "m0",
            Tenant = "acme",
            Tier = "gold",
            InputTokens = new Counter { Total = 100.0 * (second + 1), Delta = second == 0 ? 0 : 100, Epoch = 1 },
            OutputTokens = new Counter { Total = 40.0 * (second + 1), Delta = second == 0 ? 0 : 40, Epoch = 1 },
            UserSeconds = new Counter { Total = 2.0 * (second + 1), Delta = second == 0 ? 0 : 2, Epoch = 1 },
            EstimatedRequests = new Counter { Epoch = 1 },
        };
        stream.Requests.Add(new OutcomeCounter { Outcome = "success", Count = new Counter { Total = 10.0 * (second + 1), Delta = second == 0 ? 0 : 10, Epoch = 1 } });
        stream.Sketches.Add(sketch.ToSample("e2e_seconds"));
        return stream;
    }

    /// <summary>Sample lines, without the three that describe the previous render (they differ by design).</summary>
    private static async Task<List<string>> SamplesAsync(CollectorService service, MetricsPart part)
    {
        using var scrape = await service.RenderMetricsAsync(ExpositionFormat.PrometheusText004, part, CancellationToken.None);
        return [.. Encoding.UTF8.GetString(scrape.Body).Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Where(l => !l.StartsWith("inference_collector_series ", StringComparison.Ordinal)
                && !l.StartsWith("inference_collector_render_", StringComparison.Ordinal))];
    }

    /// <summary>The node a per-node series is of; null for the rest, the metering proxies' families included (all in part 0).</summary>
    private static string? NodeOf(string line)
    {
        if (IsProxy(line))
        {
            return null;
        }

        var at = line.IndexOf("node=\"", StringComparison.Ordinal);
        return at < 0 ? null : line[(at + 6)..line.IndexOf('"', at + 6)];
    }

    private static bool IsProxy(string line) =>
        line.StartsWith("inference_proxy_", StringComparison.Ordinal) || line.StartsWith("inference_kpi_proxy_", StringComparison.Ordinal)
        || line.StartsWith("inference_kpi_tokens_per_user_hour", StringComparison.Ordinal);

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task The_parts_together_are_the_whole_exposition_and_each_node_is_in_its_part_only(int parts)
    {
        using var service = Fleet();
        var whole = await SamplesAsync(service, MetricsPart.Whole);
        var byPart = new List<List<string>>();
        for (var p = 0; p < parts; p++)
        {
            byPart.Add(await SamplesAsync(service, new MetricsPart(p, parts)));
        }

        Assert.Contains(whole, l => l.StartsWith("inference_kpi_proxy_latency_seconds{", StringComparison.Ordinal)); // the proxies made it in
        Assert.Contains(whole, l => l.StartsWith("inference_collector_nodes{state=\"stale\"} 1", StringComparison.Ordinal));
        Assert.Equal(whole.Order(StringComparer.Ordinal), byPart.SelectMany(l => l).Order(StringComparer.Ordinal));
        for (var p = 0; p < parts; p++)
        {
            var nodes = byPart[p].Select(NodeOf).OfType<string>().Distinct().ToList();
            Assert.NotEmpty(nodes); // with 30 nodes every part has some: the split is exercised
            Assert.All(nodes, n => Assert.Equal(p, MetricsPart.Of(n, parts)));
            var fleetWide = byPart[p].Where(l => l.Contains("scope=\"fleet\"", StringComparison.Ordinal) || l.StartsWith("inference_collector_", StringComparison.Ordinal) || IsProxy(l));
            if (p == 0)
            {
                Assert.NotEmpty(fleetWide);
            }
            else
            {
                Assert.Empty(fleetWide);
            }
        }
    }

    [Fact]
    public async Task Part_zero_without_proxies_counts_every_node_and_carries_every_fleet_wide_row()
    {
        var options = new CollectorOptions { Windows = ["1m"] };
        var clock = new Clock();
        using var service = new CollectorService(options, clock);
        var agents = Enumerable.Range(0, 12).Select(i => new RichNode($"n{i}", 1)).ToArray();
        for (var s = 0; s < 10; s++)
        {
            foreach (var agent in agents)
            {
                Ingest(service, clock, agent.Next());
            }
        }

        clock.Ms = RichNode.T0 + 11_000;

        var whole = await SamplesAsync(service, MetricsPart.Whole);
        var zero = await SamplesAsync(service, new MetricsPart(0, 3));
        Assert.Contains("inference_collector_nodes{state=\"up\"} 12", zero);
        var notPerNode = whole.Where(l => NodeOf(l) is null).ToList();
        Assert.Contains(notPerNode, l => l.Contains("scope=\"fleet\"", StringComparison.Ordinal));
        Assert.Equal(notPerNode, zero.Where(l => NodeOf(l) is null));
    }

    [Fact]
    public void A_render_on_one_thread_is_byte_for_byte_the_render_on_two()
    {
        // Small renders (parts of a large fleet among them) are written on one thread, large ones on two.
        var fleet = new Telemetry.Collector.State.FleetState([new WindowDuration("1m", 60)], new Cost.CostModel(new CostOptions()));
        var agents = Enumerable.Range(0, 9).Select(i => new RichNode($"n{i}", 1 + (i % 3))).ToArray();
        for (var s = 0; s < 10; s++)
        {
            foreach (var agent in agents)
            {
                var report = agent.Next();
                fleet.Apply(report, report.SentTimeUnixMs);
            }
        }

        var snapshot = new Telemetry.Collector.Kpi.SnapshotBuilder(fleet, [new WindowDuration("1m", 60)], staleAfterIntervals: 3).Build(RichNode.T0 + 11_000);
        var fleetWide = new FleetWideFamilies(_ => { }, new Telemetry.Collector.Ingest.IngestStats(), 0, RenderStats.None, null, 9, 0);
        string Render(bool twoThreads)
        {
            using var w = new ExpositionWriter(ExpositionFormat.OpenMetrics100);
            MetricsRenderer.Render(w, snapshot, fleetWide, new Dictionary<string, double>(), new Dictionary<string, double>(), new Cost.CostModel(new CostOptions()), twoThreads);
            return Encoding.UTF8.GetString(w.Written);
        }

        var one = Render(twoThreads: false);
        Assert.Contains("inference_time_to_first_token_seconds_bucket{node=\"n8\"", one, StringComparison.Ordinal);
        Assert.Contains("inference_kpi_tokens_per_joule{scope=\"fleet\"", one, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", one, StringComparison.Ordinal);
        Assert.Equal(one, Render(twoThreads: true));
    }

    [Theory]
    [InlineData(null, null, 0, 1)]
    [InlineData("", "", 0, 1)]
    [InlineData("0", "1", 0, 1)]
    [InlineData("3", "16", 3, 16)]
    [InlineData("255", "256", 255, 256)]
    public void Valid_parameters_name_a_part(string? part, string? parts, int index, int count)
    {
        Assert.True(MetricsPart.TryParse(part, parts, out var parsed, out var error), error);
        Assert.Equal(new MetricsPart(index, count), parsed);
        Assert.Equal(parsed, MetricsPart.FromKey(parsed.Key));
    }

    [Theory]
    [InlineData("1", null, "go together")]
    [InlineData(null, "4", "go together")]
    [InlineData("4", "4", "from 0 to 3")]
    [InlineData("-1", "4", "from 0 to 3")]
    [InlineData("x", "4", "not 'x'")]
    [InlineData("0", "0", "from 1 to 256")]
    [InlineData("0", "257", "from 1 to 256")]
    [InlineData("0", "+2", "from 1 to 256")]
    [InlineData("0", "99999999999999999999999999999999999999", "…")]
    public void Invalid_parameters_are_refused_with_the_reason(string? part, string? parts, string reason)
    {
        Assert.False(MetricsPart.TryParse(part, parts, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_keeps_its_part_in_every_process_and_version()
    {
        // XxHash3 of the UTF-8 name, pinned: a different hash would move series between Prometheus targets on upgrade.
        int[] expected = [10, 6, 10, 12];
        Assert.Equal(expected, new[] { MetricsPart.Of("node-00000", 16), MetricsPart.Of("node-00001", 16), MetricsPart.Of("gpu-host-17.eu-west", 16), MetricsPart.Of("ノード", 16) });
        Assert.Equal(0, MetricsPart.Of("anything", 1));
        var spread = Enumerable.Range(0, 1600).GroupBy(i => MetricsPart.Of("node-" + i.ToString("D5", CultureInfo.InvariantCulture), 16)).Select(g => g.Count()).ToList();
        Assert.Equal(16, spread.Count);
        Assert.All(spread, c => Assert.InRange(c, 60, 140)); // about 100 each
    }
}
