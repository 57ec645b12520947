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

    private static NodeReport Report(int i)
    {
        var first = i == 0;
        var r = new NodeReport
        {
            AgentInstanceId = "i",
            Sequence = (ulong)i + 1,
            Node = "n1",
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
}
