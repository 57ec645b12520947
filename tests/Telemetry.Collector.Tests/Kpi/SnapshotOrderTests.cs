using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.State;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Kpi;

/// <summary>
/// A snapshot lists nodes by name and KPI rows by scope kind, then scope labels, then window — the same order every
/// scrape, whatever order nodes reported in and however the snapshot was split across cores.
/// </summary>
public sealed class SnapshotOrderTests
{
    private const long T0 = 1_700_000_000_000;
    private static readonly WindowDuration TenSeconds = new("10s", 10);
    private static readonly WindowDuration Minute = new("1m", 60);

    private static NodeReport Report(string node, int i)
    {
        var first = i == 0;
        var r = new NodeReport
        {
            AgentInstanceId = node,
            Sequence = (ulong)i + 1,
            Node = node,
            Site = "s1",
            Pool = "p1",
            IntervalSeconds = 1,
            SampleTimeUnixMs = T0 + (i * 1000),
            PreviousSampleTimeUnixMs = first ? 0 : T0 + ((i - 1) * 1000),
            SentTimeUnixMs = T0 + (i * 1000),
        };
        r.Gpus.Add(new GpuSample { Index = 0, Uuid = node + "-GPU-0", Name = "H100", EnergyJoules = new Counter { Total = 200 * i, Delta = first ? 0 : 200, Epoch = 1 } });
        foreach (var name in (string[])["b-srv", "a-srv"]) // not in name order
        {
            var server = new ServerSample { Name = name, Engine = "vllm", Role = "unified", Up = true, EnergyJoules = new Counter { Epoch = 1 } };
            server.GpuUuids.Add(node + "-GPU-0");
            server.Streams.Add(new StreamSample { Model = "m", OutputTokens = new Counter { Total = 100 * i, Delta = first ? 0 : 100, Epoch = 1 } });
            r.Servers.Add(server);
        }

        return r;
    }

    [Fact]
    public void Nodes_and_kpi_rows_come_in_a_fixed_order_whatever_order_nodes_reported_in()
    {
        WindowDuration[] windows = [Minute, TenSeconds];
        var fleet = new FleetState(windows, new CostModel(new CostOptions()), [Minute, TenSeconds]);

        // More nodes than one core's part (500), reporting in a shuffled order.
        var names = Enumerable.Range(0, 1_200).Select(i => $"node-{i:D4}").ToArray();
        new Random(7).Shuffle(names);
        for (var i = 0; i <= 5; i++)
        {
            foreach (var n in names)
            {
                fleet.Apply(Report(n, i), T0 + (i * 1000));
            }
        }

        var s = new SnapshotBuilder(fleet, windows, 3).Build(T0 + 5_000 + (SnapshotBuilder.SettleSeconds * 1000));

        var sorted = names.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(sorted, s.Nodes.Select(n => n.Node));

        var kinds = s.Kpis.Select(k => k.Scope).ToArray();
        Assert.Equal(kinds.Order(), kinds);
        Assert.Contains(ScopeKind.Fleet, kinds);

        // Windows in configuration order within a scope, for aggregates and nodes alike.
        Assert.Equal(["1m", "10s"], s.Kpis.Where(k => k.Scope == ScopeKind.Fleet).Select(k => k.Window));
        var nodeRows = s.Kpis.Where(k => k.Scope == ScopeKind.Node).Select(k => (k.ScopeLabels[0].Value, k.Window)).ToArray();
        Assert.Equal(sorted.SelectMany(n => (string[])[n + "/1m", n + "/10s"]), nodeRows.Select(r => r.Item1 + "/" + r.Item2));

        var serverRows = s.Kpis.Where(k => k.Scope == ScopeKind.Server)
            .Select(k => $"{k.ScopeLabels[0].Value}/{k.ScopeLabels.Single(l => l.Key == "server").Value}/{k.Window}").ToArray();
        Assert.Equal(sorted.SelectMany(n => (string[])[$"{n}/a-srv/1m", $"{n}/a-srv/10s", $"{n}/b-srv/1m", $"{n}/b-srv/10s"]), serverRows);
    }
}
