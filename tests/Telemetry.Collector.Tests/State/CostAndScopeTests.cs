using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.State;

/// <summary>
/// Known power, token rates and prices → every KPI against its analytic value. One node: GPU 0
/// (H100, 200 W, 90% busy) serves server "srv" (tier premium, model m: 100 output + 30 input
/// tokens/s); GPU 1 (H100, 100 W) serves nothing.
/// </summary>
public sealed class CostAndScopeTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration TenSeconds = new("10s", 10);

    private static readonly CostOptions Prices = new()
    {
        Sites = [new SiteCostOptions { Name = "s1", PricePerKwhUsd = 0.10, Pue = 1.5, NodeHourlyUsd = 3.6 }],
        Gpus = [new GpuCostOptions { Match = "h100", HourlyUsd = 2.88 }],
    };

    private static NodeReport Report(int i, string site = "s1")
    {
        var first = i == 0;
        var r = new NodeReport
        {
            AgentInstanceId = "i",
            Sequence = (ulong)i + 1,
            SampleTimeUnixMs = T0 + (i * 1000),
            PreviousSampleTimeUnixMs = first ? 0 : T0 + ((i - 1) * 1000),
            SentTimeUnixMs = T0 + (i * 1000),
            Node = "n1",
            Site = site,
            Pool = "p1",
            IntervalSeconds = 1,
        };
        r.Gpus.Add(new GpuSample { Index = 0, Uuid = "GPU-0", Name = "NVIDIA H100 80GB HBM3", EnergyJoules = new Counter { Total = 200 * i, Delta = first ? 0 : 200, Epoch = 1 }, UtilizationRatio = 0.9 });
        r.Gpus.Add(new GpuSample { Index = 1, Uuid = "GPU-1", Name = "NVIDIA H100 80GB HBM3", EnergyJoules = new Counter { Total = 100 * i, Delta = first ? 0 : 100, Epoch = 1 }, UtilizationRatio = 0 });
        var server = new ServerSample { Name = "srv", Engine = "vllm", Role = "unified", Tier = "premium", Up = true, EnergyJoules = new Counter { Epoch = 1 } };
        server.GpuUuids.Add("GPU-0");
        server.Streams.Add(new StreamSample
        {
            Model = "m",
            InputTokens = new Counter { Total = 30 * i, Delta = first ? 0 : 30, Epoch = 1 },
            OutputTokens = new Counter { Total = 100 * i, Delta = first ? 0 : 100, Epoch = 1 },
        });
        r.Servers.Add(server);
        return r;
    }

    private static FleetSnapshot Run(string site = "s1")
    {
        var fleet = new FleetState([TenSeconds], new CostModel(Prices));
        for (var i = 0; i <= 20; i++)
        {
            fleet.Apply(Report(i, site), T0 + (i * 1000));
        }

        return new SnapshotBuilder(fleet, [TenSeconds], 3).Build(T0 + 20_000 + (SnapshotBuilder.SettleSeconds * 1000));
    }

    private static KpiView Kpi(FleetSnapshot s, ScopeKind kind) => s.Kpis.Single(k => k.Scope == kind);

    /// <summary>
    /// Equal within a millionth: node and server windows keep their slots in single precision (SingleSlot), so their
    /// sums carry up to ~1e-7 relative rounding; zero stays exactly zero.
    /// </summary>
    private static void Near(double expected, double actual) =>
        Assert.InRange(actual, expected - (Math.Abs(expected) * 1e-6), expected + (Math.Abs(expected) * 1e-6));

    [Fact]
    public void Server_kpis_match_the_analytic_values()
    {
        var k = Kpi(Run(), ScopeKind.Server);
        const double EnergyUsdPerSecond = 200 * 1.5 * 0.10 / 3.6e6;
        const double CapacityUsdPerSecond = (2.88 / 3600) + (3.6 / 3600 / 2); // its GPU + half the node's fixed cost
        Near(100.0 / 200, k.TokensPerJoule(k.Sum.OutputTokens)!.Value);
        Near(100.0 / 300, k.FacilityTokensPerJoule(k.Sum.OutputTokens)!.Value);
        Near(EnergyUsdPerSecond / 100 * 1e6, k.EnergyCostPerMillionTokens(k.Sum.OutputTokens)!.Value);
        Near((EnergyUsdPerSecond + CapacityUsdPerSecond) / 130 * 1e6, k.TotalCostPerMillionTokens(k.Sum.TotalTokens)!.Value);
        Near(0.9, k.GpuUtilization!.Value);
        Near(0, k.IdleEnergyRatio!.Value);
    }

    [Fact]
    public void Node_pool_site_and_fleet_include_the_idle_gpu()
    {
        var s = Run();
        foreach (var kind in new[] { ScopeKind.Node, ScopeKind.Pool, ScopeKind.Site, ScopeKind.Fleet, ScopeKind.GpuModel })
        {
            var k = Kpi(s, kind);
            Near(100.0 / 300, k.TokensPerJoule(k.Sum.OutputTokens)!.Value);
            Near(100.0 / 300, k.IdleEnergyRatio!.Value);
            Near(0.45, k.GpuUtilization!.Value);
            const double UsdPerSecond = (300 * 1.5 * 0.10 / 3.6e6) + (2 * 2.88 / 3600) + (3.6 / 3600);
            Near(UsdPerSecond / 100 * 1e6, k.TotalCostPerMillionTokens(k.Sum.OutputTokens)!.Value);
        }

        Assert.Equal("p1", Kpi(s, ScopeKind.Pool).ScopeLabels.Single().Value);
        Assert.Equal("NVIDIA H100 80GB HBM3", Kpi(s, ScopeKind.GpuModel).ScopeLabels.Single().Value);
    }

    [Fact]
    public void Model_and_tier_scopes_get_the_servers_share()
    {
        var s = Run();
        var server = Kpi(s, ScopeKind.Server);
        foreach (var kind in new[] { ScopeKind.Model, ScopeKind.Tier })
        {
            var k = Kpi(s, kind);
            Near(server.Sum.EnergyJoules, k.Sum.EnergyJoules);
            Near(server.Sum.OutputTokens, k.Sum.OutputTokens);
            Near(server.TotalCostPerMillionTokens(server.Sum.TotalTokens)!.Value, k.TotalCostPerMillionTokens(k.Sum.TotalTokens)!.Value);
        }
    }

    [Fact]
    public void A_site_without_prices_withholds_cost_and_facility_kpis_but_not_tokens_per_joule()
    {
        var k = Kpi(Run(site: "unpriced"), ScopeKind.Server);
        Assert.Null(k.EnergyCostPerMillionTokens(k.Sum.OutputTokens));
        Assert.Null(k.TotalCostPerMillionTokens(k.Sum.OutputTokens));
        Assert.Null(k.FacilityTokensPerJoule(k.Sum.OutputTokens));
        Assert.Equal(0.5, k.TokensPerJoule(k.Sum.OutputTokens)!.Value, 9);
    }

    [Fact]
    public void Two_servers_on_one_gpu_split_its_energy_equally()
    {
        var fleet = new FleetState([TenSeconds], new CostModel(Prices));
        for (var i = 0; i <= 20; i++)
        {
            var r = Report(i);
            var twin = r.Servers[0].Clone();
            twin.Name = "twin";
            twin.Streams[0].Model = "m2";
            r.Servers.Add(twin);
            fleet.Apply(r, T0 + (i * 1000));
        }

        var s = new SnapshotBuilder(fleet, [TenSeconds], 3).Build(T0 + 22_000);
        var servers = s.Kpis.Where(k => k.Scope == ScopeKind.Server).ToList();
        Assert.Equal(2, servers.Count);
        Assert.All(servers, k => Assert.Equal(1000, k.Sum.EnergyJoules, 6)); // 200 J/s ÷ 2 over 10 s
        Assert.Equal(3000, Kpi(s, ScopeKind.Node).Sum.EnergyJoules, 6); // nothing counted twice
    }
}
