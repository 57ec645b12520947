using Telemetry.Collector.Configuration;
using Telemetry.Collector.State;
using Telemetry.Wire;
using Telemetry.Wire.Sketches;

namespace Telemetry.Collector.Proxy;

/// <summary>
/// What the agents' metering proxies reported (docs/proxy.md), kept beside the fleet state: per
/// (node, server, model, tenant, tier) the last cumulative counters for export, and per window the
/// increments and merged latency sketches by sample time. Reports reach it only once (after the
/// fleet's de-duplication). Thread-safe through one lock: proxy streams are few per report.
/// </summary>
internal sealed class ProxyLedgerState(IReadOnlyList<WindowDuration> windows)
{
    /// <summary>Proxy streams kept collector-wide; a fleet past it has a tenant-cardinality problem to fix at the agents.</summary>
    public const int MaxStreams = 20_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Node, string Server, string Model, string Tenant, string Tier), StreamState> _streams = [];

    /// <summary>Whether any metering proxy has reported (then wider scopes' latency comes from merged sketches).</summary>
    public bool HasStreams
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count > 0;
            }
        }
    }

    /// <summary>Proxy streams refused because <see cref="MaxStreams"/> was reached, and sketches refused as inconsistent.</summary>
    public long Dropped { get; private set; }

    public void Apply(NodeReport report, long clockOffsetMs)
    {
        lock (_lock)
        {
            foreach (var server in report.Servers)
            {
                var sampleMs = (server.SampleTimeUnixMs > 0 ? server.SampleTimeUnixMs : report.SampleTimeUnixMs) + clockOffsetMs;
                foreach (var p in server.ProxyStreams)
                {
                    var key = (report.Node, server.Name, p.Model, p.Tenant, p.Tier);
                    if (!_streams.TryGetValue(key, out var state))
                    {
                        if (_streams.Count >= MaxStreams)
                        {
                            Dropped++;
                            continue;
                        }

                        state = new StreamState(windows, sampleMs);
                        _streams[key] = state;
                    }

                    Apply(state, report, p, sampleMs);
                }
            }
        }
    }

    private void Apply(StreamState state, NodeReport report, ProxyStreamSample p, long sampleMs)
    {
        state.Site = report.Site;
        state.Pool = report.Pool;
        state.InputTokensTotal = p.InputTokens?.Total ?? state.InputTokensTotal;
        state.OutputTokensTotal = p.OutputTokens?.Total ?? state.OutputTokensTotal;
        state.EstimatedTotal = p.EstimatedRequests?.Total ?? state.EstimatedTotal;
        state.UserSecondsTotal = p.UserSeconds?.Total ?? state.UserSecondsTotal;
        foreach (var r in p.Requests)
        {
            state.Requests[r.Outcome] = r.Count?.Total ?? 0;
        }

        foreach (var ring in state.Rings)
        {
            if (ring.SlotAt(sampleMs) is not { } slot)
            {
                continue; // older than the windows: in the raw counters only
            }

            slot.InputTokens += Delta(p.InputTokens);
            slot.OutputTokens += Delta(p.OutputTokens);
            slot.UserSeconds += Delta(p.UserSeconds);
            foreach (var r in p.Requests)
            {
                var d = Delta(r.Count);
                switch (r.Outcome)
                {
                    case "success": slot.Success += d; break;
                    case "error": slot.Error += d; break;
                    case "aborted": slot.Aborted += d; break;
                }
            }

            foreach (var sketch in p.Sketches)
            {
                if (slot.SketchOf(sketch.Metric)?.TryMerge(sketch) is not null)
                {
                    Dropped++;
                }
            }
        }
    }

    private static double Delta(Counter? c) => c is { } x && double.IsFinite(x.Delta) && x.Delta > 0 ? x.Delta : 0;

    public ProxySnapshot Snapshot(long nowMs, FleetSnapshot fleet)
    {
        lock (_lock)
        {
            var streams = new List<ProxyStreamView>(_streams.Count);
            foreach (var ((node, server, model, tenant, tier), s) in _streams.OrderBy(e => e.Key))
            {
                streams.Add(new ProxyStreamView(node, s.Site, s.Pool, server, model, tenant, tier, s.InputTokensTotal, s.OutputTokensTotal,
                    [.. s.Requests.OrderBy(r => r.Key, StringComparer.Ordinal)], s.EstimatedTotal, s.UserSecondsTotal));
            }

            var kpis = new List<ProxyKpiView>();
            for (var w = 0; w < windows.Count; w++)
            {
                kpis.AddRange(WindowKpis(w, nowMs, fleet));
            }

            return new ProxySnapshot(streams, kpis);
        }
    }

    private IEnumerable<ProxyKpiView> WindowKpis(int w, long nowMs, FleetSnapshot fleet)
    {
        var window = windows[w];
        var scopes = new SortedDictionary<(string Scope, string A, string B), ScopeSum>();
        var serverTokens = new Dictionary<(string Node, string Server), double>();
        foreach (var ((node, server, _, tenant, tier), s) in _streams)
        {
            var sum = new ScopeSum(s.FirstSeenMs);
            foreach (var slot in s.Rings[w].Window(nowMs))
            {
                sum.Add(slot);
            }

            serverTokens[(node, server)] = serverTokens.GetValueOrDefault((node, server)) + sum.Tokens;
            foreach (var key in (ReadOnlySpan<(string, string, string)>)[(ProxyScopes.Tenant, tenant, tier), (ProxyScopes.Tier, tier, ""), (ProxyScopes.Server, node, server)])
            {
                if (!scopes.TryGetValue(key, out var scope))
                {
                    scopes[key] = scope = new ScopeSum(s.FirstSeenMs);
                }

                scope.Merge(sum, node, server);
            }
        }

        var serverCosts = ServerCosts(fleet, window.Label);
        foreach (var ((kind, a, b), sum) in scopes)
        {
            KeyValuePair<string, string>[] labels = kind switch
            {
                ProxyScopes.Tenant => [new("tenant", a), new("tier", b)],
                ProxyScopes.Tier => [new("tier", a)],
                _ => [new("node", a), new("server", b)],
            };
            double? cost = 0;
            foreach (var ((node, server), tokens) in sum.TokensByServer)
            {
                var all = serverTokens[(node, server)];
                cost = cost is { } c && serverCosts.TryGetValue((node, server), out var serverCost) && serverCost is { } sc
                    ? c + (all > 0 ? sc * tokens / all : 0)
                    : null;
            }

            var covered = Math.Clamp((nowMs - sum.FirstSeenMs) / 1000.0, 0, window.Seconds);
            yield return new ProxyKpiView(kind, labels, window.Label, covered, sum.Input, sum.Output, sum.UserSeconds, sum.Success, sum.Error, sum.Aborted,
                sum.Ttft, sum.Tpot, sum.E2e, sum.TokensByServer.Count > 0 ? cost : null);
        }
    }

    /// <summary>Energy + capacity cost of each server in the window, null where any of it is unpriced.</summary>
    private static Dictionary<(string Node, string Server), double?> ServerCosts(FleetSnapshot fleet, string window)
    {
        var costs = new Dictionary<(string, string), double?>();
        foreach (var k in fleet.Kpis)
        {
            if (k.Scope != ScopeKind.Server || k.Window != window)
            {
                continue;
            }

            var node = k.ScopeLabels.FirstOrDefault(l => l.Key == "node").Value ?? "";
            var server = k.ScopeLabels.FirstOrDefault(l => l.Key == "server").Value ?? "";
            var s = k.Sum;
            costs[(node, server)] = s.UnpricedEnergyJoules <= 0 && s.UnpricedGpuSeconds <= 0 && s.EnergyJoules > 0 ? s.EnergyCostUsd + s.CapacityCostUsd : null;
        }

        return costs;
    }

    private sealed class StreamState(IReadOnlyList<WindowDuration> windows, long firstSeenMs)
    {
        public readonly long FirstSeenMs = firstSeenMs;
        public readonly ProxySlotRing[] Rings = [.. windows.Select(w => new ProxySlotRing(w.SlotSeconds, w.Seconds / w.SlotSeconds))];
        public readonly Dictionary<string, double> Requests = new(StringComparer.Ordinal);
        public string Site = "";
        public string Pool = "";
        public double InputTokensTotal;
        public double OutputTokensTotal;
        public double EstimatedTotal;
        public double UserSecondsTotal;
    }

    private sealed class ScopeSum(long firstSeenMs)
    {
        public long FirstSeenMs = firstSeenMs;
        public double Input, Output, UserSeconds, Success, Error, Aborted;
        public readonly LogSketch Ttft = new(), Tpot = new(), E2e = new();
        public readonly Dictionary<(string Node, string Server), double> TokensByServer = [];

        public double Tokens => Input + Output;

        public void Add(ProxySlot slot)
        {
            Input += slot.InputTokens;
            Output += slot.OutputTokens;
            UserSeconds += slot.UserSeconds;
            Success += slot.Success;
            Error += slot.Error;
            Aborted += slot.Aborted;
            Ttft.Merge(slot.Ttft);
            Tpot.Merge(slot.Tpot);
            E2e.Merge(slot.E2e);
        }

        public void Merge(ScopeSum other, string node, string server)
        {
            FirstSeenMs = Math.Min(FirstSeenMs, other.FirstSeenMs);
            Input += other.Input;
            Output += other.Output;
            UserSeconds += other.UserSeconds;
            Success += other.Success;
            Error += other.Error;
            Aborted += other.Aborted;
            Ttft.Merge(other.Ttft);
            Tpot.Merge(other.Tpot);
            E2e.Merge(other.E2e);
            TokensByServer[(node, server)] = TokensByServer.GetValueOrDefault((node, server)) + other.Tokens;
        }
    }
}
