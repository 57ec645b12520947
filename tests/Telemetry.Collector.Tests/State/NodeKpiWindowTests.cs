using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.State;

/// <summary>
/// Collector:NodeKpiWindows: node and server scopes keep only their windows (the shortest by default, or
/// none), while the fleet-wide scopes keep every window — and the numbers in a kept window are unchanged.
/// </summary>
public sealed class NodeKpiWindowTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration TenSeconds = new("10s", 10);
    private static readonly WindowDuration Minute = new("1m", 60);

    private static NodeReport Report(int i, string node = "n1")
    {
        var first = i == 0;
        var r = new NodeReport
        {
            AgentInstanceId = "i",
            Sequence = (ulong)i + 1,
            Node = node,
            Site = "s1",
            Pool = "p1",
            IntervalSeconds = 1,
            SampleTimeUnixMs = T0 + (i * 1000),
            PreviousSampleTimeUnixMs = first ? 0 : T0 + ((i - 1) * 1000),
            SentTimeUnixMs = T0 + (i * 1000),
        };
        r.Gpus.Add(new GpuSample { Index = 0, Uuid = "GPU-0", Name = "H100", EnergyJoules = new Counter { Total = 200 * i, Delta = first ? 0 : 200, Epoch = 1 } });
        var server = new ServerSample { Name = "srv", Engine = "vllm", Role = "unified", Up = true, EnergyJoules = new Counter { Epoch = 1 } };
        server.GpuUuids.Add("GPU-0");
        server.Streams.Add(new StreamSample { Model = "m", OutputTokens = new Counter { Total = 100 * i, Delta = first ? 0 : 100, Epoch = 1 } });
        r.Servers.Add(server);
        return r;
    }

    private static FleetSnapshot Run(IReadOnlyList<WindowDuration>? nodeWindows)
    {
        WindowDuration[] windows = [TenSeconds, Minute];
        var fleet = new FleetState(windows, new CostModel(new CostOptions()), nodeWindows);
        for (var i = 0; i <= 20; i++)
        {
            fleet.Apply(Report(i), T0 + (i * 1000));
        }

        return new SnapshotBuilder(fleet, windows, 3).Build(T0 + 20_000 + (SnapshotBuilder.SettleSeconds * 1000));
    }

    private static string[] WindowsOf(FleetSnapshot s, ScopeKind kind) => [.. s.Kpis.Where(k => k.Scope == kind).Select(k => k.Window)];

    [Fact]
    public void Node_and_server_scopes_keep_only_their_windows_while_aggregates_keep_all()
    {
        var s = Run([TenSeconds]);
        Assert.Equal(["10s"], WindowsOf(s, ScopeKind.Node));
        Assert.Equal(["10s"], WindowsOf(s, ScopeKind.Server));
        Assert.Equal(["10s", "1m"], WindowsOf(s, ScopeKind.Fleet));
        Assert.Equal(["10s", "1m"], WindowsOf(s, ScopeKind.Model));

        var server = s.Kpis.Single(k => k.Scope == ScopeKind.Server);
        Assert.Equal(0.5, server.TokensPerJoule(server.Sum.OutputTokens)!.Value, 9); // 100 tokens/s ÷ 200 W
        Assert.Equal("scope=\"server\",node=\"n1\",site=\"s1\",pool=\"p1\",server=\"srv\",engine=\"vllm\",model=\"m\",role=\"unified\"", server.ScopeSet.ToString());
        Assert.Equal("window=\"10s\"", server.WindowSet.ToString());
    }

    [Fact]
    public void No_node_windows_means_no_node_or_server_kpis_but_raw_series_stay()
    {
        var s = Run([]);
        Assert.Empty(WindowsOf(s, ScopeKind.Node));
        Assert.Empty(WindowsOf(s, ScopeKind.Server));
        Assert.Equal(["10s", "1m"], WindowsOf(s, ScopeKind.Fleet));
        Assert.Equal(2000, s.Nodes.Single().Servers.Single().Streams.Single().OutputTokensTotal);
    }

    [Fact]
    public void The_default_is_the_shortest_window_and_bad_values_name_the_key()
    {
        var defaults = new CollectorOptions { Windows = ["5m", "1m"] };
        Assert.Empty(CollectorOptionsValidator.Validate(defaults));
        var windows = CollectorOptionsValidator.ResolveWindows(defaults);
        Assert.Equal(["1m"], CollectorOptionsValidator.ResolveNodeKpiWindows(defaults, windows).Select(w => w.Label));

        var none = new CollectorOptions { NodeKpiWindows = ["none"] };
        Assert.Empty(CollectorOptionsValidator.Validate(none));
        Assert.Empty(CollectorOptionsValidator.ResolveNodeKpiWindows(none, CollectorOptionsValidator.ResolveWindows(none)));

        var bad = new CollectorOptions { NodeKpiWindows = ["1m", "2m", "none"] };
        var errors = CollectorOptionsValidator.Validate(bad);
        Assert.Contains(errors, e => e.StartsWith("Collector:NodeKpiWindows:1: '2m' is not one of Collector:Windows", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:NodeKpiWindows:2: 'none' must stand alone", StringComparison.Ordinal));
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void A_fleet_large_enough_to_be_split_across_cores_is_copied_whole_and_in_order()
    {
        WindowDuration[] windows = [TenSeconds];
        var fleet = new FleetState(windows, new CostModel(new CostOptions()));
        const int Nodes = 2_100; // more than 500 per core on machines of up to 4 cores
        for (var i = 0; i <= 12; i++)
        {
            for (var n = 0; n < Nodes; n++)
            {
                fleet.Apply(Report(i, $"n{n:D5}"), T0 + (i * 1000));
            }
        }

        var s = new SnapshotBuilder(fleet, windows, 3).Build(T0 + 12_000 + (SnapshotBuilder.SettleSeconds * 1000));
        Assert.Equal(Enumerable.Range(0, Nodes).Select(n => $"n{n:D5}"), s.Nodes.Select(v => v.Node));
        var nodeKpis = s.Kpis.Where(k => k.Scope == ScopeKind.Node).ToList();
        Assert.Equal(Nodes, nodeKpis.Count);
        Assert.Equal(Nodes, nodeKpis.Select(k => k.ScopeLabels[0].Value).Distinct().Count());
        Assert.All(nodeKpis, k => Assert.Equal(0.5, k.TokensPerJoule(k.Sum.OutputTokens)!.Value, 9));
        var fleetKpi = s.Kpis.Single(k => k.Scope == ScopeKind.Fleet);
        Assert.Equal(Nodes * 200.0 * 10, fleetKpi.Sum.EnergyJoules, 6); // 200 W × 10 s per node, nothing lost or doubled
    }
}
