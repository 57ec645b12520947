using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Cost;
using Telemetry.Collector.Windows;
using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>The result of applying one report.</summary>
public enum ApplyOutcome
{
    Accepted,

    /// <summary>Sequence already applied (a retry or replay): acknowledged, nothing counted twice.</summary>
    Duplicate,
}

/// <summary>
/// All nodes and fleet-wide scopes. Applies validated reports: de-duplicates by (agent instance,
/// sequence), resolves counter increments (<see cref="CounterState"/>), corrects the agent's clock
/// offset, prices energy and GPU time (<see cref="CostModel"/>), attributes everything to scopes
/// (<see cref="ReportAttribution"/>) and places it in their windows by sample time.
/// Thread-safe: reports of different nodes apply in parallel.
/// </summary>
/// <param name="windows">The KPI windows of the fleet-wide scopes.</param>
/// <param name="cost">Prices for energy and GPU time.</param>
/// <param name="nodeWindows">The windows node and server scopes keep (default: all of <paramref name="windows"/>).</param>
internal sealed class FleetState(IReadOnlyList<WindowDuration> windows, CostModel cost, IReadOnlyList<WindowDuration>? nodeWindows = null)
{
    private readonly ConcurrentDictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private long _lateIncrements;

    public IReadOnlyList<WindowDuration> Windows { get; } = windows;

    /// <summary>Windows of the node and server scopes (a subset of <see cref="Windows"/>; possibly none).</summary>
    public IReadOnlyList<WindowDuration> NodeWindows { get; } = nodeWindows ?? windows;

    public AggregateScopes Aggregates { get; } = new(windows);

    /// <summary>Window additions that were partly or wholly older than the windows hold (kept in raw counters only).</summary>
    public long LateIncrements => Interlocked.Read(ref _lateIncrements);

    public ICollection<NodeState> Nodes => _nodes.Values;

    /// <summary>The node's state, or null if the collector does not know it.</summary>
    public NodeState? TryGetNode(string node) => _nodes.TryGetValue(node, out var state) ? state : null;

    /// <summary>Forgets a node; call under its lock.</summary>
    public void RemoveNode(NodeState node)
    {
        node.Removed = true;
        _nodes.TryRemove(node.Node, out _);
    }

    public ApplyOutcome Apply(NodeReport report, long receivedMs)
    {
        List<ScopeIncrement> aggregates;
        List<ScopeHistogramIncrement> histograms;
        NodeState node;
        while (true)
        {
            node = _nodes.GetOrAdd(report.Node, static (n, w) => new NodeState(n, w), NodeWindows);
            node.Sync.Enter();
            if (!node.Removed)
            {
                break; // hold the lock; released below
            }

            node.Sync.Exit();
        }

        try
        {
            var sameInstance = node.AgentInstanceId == report.AgentInstanceId;

            // A report older than the first this collector applied of the instance (a shuffled batch, or a
            // retry overtaken by its successor) was never counted here, not even by recovery from cumulative
            // values, which only ever spans forward: its own deltas are applied once. Anything else at or
            // below the last sequence is a duplicate (a retry, a replay, or recovered through a later report);
            // so is a spool replay of an earlier instance's report that was applied before a restart.
            var early = sameInstance && report.Sequence < node.FirstSequence && report.Sequence > node.ResumedAfter;
            if (sameInstance
                ? report.Sequence <= node.LastSequence && !(early && node.NoteEarly(report.Sequence))
                : node.PastInstances.AlreadyApplied(report.AgentInstanceId, report.Sequence))
            {
                return ApplyOutcome.Duplicate; // a retry, or a spool replay of an earlier instance after a crash
            }

            if (!sameInstance)
            {
                node.PastInstances.Remember(node.AgentInstanceId, node.LastSequence);
                node.StartInstance(report.Sequence, resumedAfter: node.PastInstances.Resume(report.AgentInstanceId));
            }

            // A new agent instance has no continuity with the old one: its first deltas are its own
            // (0 for counters it just started watching), never cumulative differences across instances.
            var contiguous = early || !sameInstance || report.Sequence == node.LastSequence + 1;
            var offset = node.ClockOffset.Observe(receivedMs, report.SentTimeUnixMs);
            var power = Span(report.PreviousSampleTimeUnixMs, report.SampleTimeUnixMs, offset, contiguous, node.LastSampleMs);
            if (early)
            {
                node.Windows.ExtendStart(power.FromMs);
            }
            else
            {
                if (node.LastSampleMs == 0)
                {
                    node.Windows.NoteInputStart(power.FromMs);
                }

                node.ClockOffsetMs = offset;
                node.AgentInstanceId = Retained.Keep(node.AgentInstanceId, report.AgentInstanceId);
                node.AgentVersion = Retained.Keep(node.AgentVersion, report.AgentVersion);
                node.LastSequence = report.Sequence;
                node.LastSampleMs = power.ToMs;
                node.LastReceivedMs = receivedMs;
                node.Site = Retained.Keep(node.Site, report.Site);
                node.Pool = Retained.Keep(node.Pool, report.Pool);
                node.IntervalSeconds = report.IntervalSeconds > 0 ? report.IntervalSeconds : 1;
                node.SourceErrors = Retained.Keep(node.SourceErrors, report.SourceErrors);
                node.AgentHealth = report.AgentHealth ?? node.AgentHealth;
            }

            var attribution = ReportAttribution.Start(cost, cost.Site(report.Site), power);
            for (var i = 0; i < report.Gpus.Count; i++) // for, not foreach: a RepeatedField's enumerator allocates
            {
                var sample = report.Gpus[i];
                var gpu = GpuOf(node, sample, update: !early);
                attribution.AddGpu(sample, early ? DeltaOf(sample.EnergyJoules) : gpu.Energy.Advance(sample.EnergyJoules, contiguous));
            }

            for (var i = 0; i < report.Servers.Count; i++)
            {
                var sample = report.Servers[i];
                var isNew = !node.Servers.ContainsKey(sample.Name);
                var server = ServerOf(node, sample, update: !early || isNew);
                if (isNew)
                {
                    server.Windows.NoteInputStart(power.FromMs);
                }
                else if (early)
                {
                    server.Windows.ExtendStart(power.FromMs);
                }

                if (!early)
                {
                    server.Energy.Advance(sample.EnergyJoules, contiguous); // the raw counter; window energy comes from the GPUs
                }

                if (sample.Streams.Count == 0)
                {
                    attribution.AddServer(server, sample.Tier, power);
                    continue; // not read this interval: its tokens arrive, spread over the outage, when it is
                }

                var tokens = sample.SampleTimeUnixMs > 0
                    ? Span(sample.PreviousSampleTimeUnixMs, sample.SampleTimeUnixMs, offset, contiguous, server.LastSampleMs)
                    : power;
                if (server.LastSampleMs == 0)
                {
                    // Until a server's tokens are first read its energy has no tokens to set against:
                    // young windows start when both are known.
                    server.Windows.NoteInputStart(tokens.FromMs);
                    node.Windows.NoteInputStart(tokens.FromMs);
                }

                if (!early)
                {
                    server.LastSampleMs = tokens.ToMs;
                }

                ApplyStreams(node.Sync, server, sample, contiguous, early, attribution.AddServer(server, sample.Tier, tokens));
            }

            foreach (var increment in attribution.Resolve())
            {
                var late = increment.Kind switch
                {
                    ScopeKind.Node => node.Windows.Add(increment.FromMs, increment.ToMs, increment.Value),
                    ScopeKind.Server => node.Servers[increment.Name].Windows.Add(increment.FromMs, increment.ToMs, increment.Value),
                    _ => false,
                };
                CountLate(late);
            }

            aggregates = attribution.Aggregates(report.Site, report.Pool);
            histograms = attribution.Histograms(report.Site, report.Pool);
            foreach (var h in histograms)
            {
                var windows = h.Kind switch
                {
                    ScopeKind.Node => node.Windows,
                    ScopeKind.Server => node.Servers[h.Name].Windows,
                    _ => null,
                };
                windows?.AddHistogram(h.Histogram.Metric, h.FromMs, h.ToMs, h.Histogram.Bounds, h.Histogram.Counts, h.Histogram.Sum);
            }
        }
        finally
        {
            node.Sync.Exit();
        }

        if (Aggregates.Add(aggregates) is > 0 and var tooOld)
        {
            Interlocked.Add(ref _lateIncrements, tooOld);
        }

        Aggregates.AddHistograms(histograms);

        return ApplyOutcome.Accepted;
    }

    /// <summary>
    /// The span [from, to) an increment covers, on the collector's clock. After a gap the increment
    /// was recovered from cumulative values, so it spans from the last sample this collector applied.
    /// </summary>
    private static TimeSpanMs Span(long previousMs, long sampleMs, long offsetMs, bool contiguous, long lastAppliedMs)
    {
        var to = sampleMs + offsetMs;
        var from = previousMs == 0 ? to : previousMs + offsetMs;
        if (!contiguous && lastAppliedMs > 0 && lastAppliedMs < to)
        {
            from = lastAppliedMs;
        }

        return new TimeSpanMs(from, to);
    }

    /// <summary>An early report's own increment: its delta, leaving the counter's state (already newer) alone.</summary>
    private static double DeltaOf(Counter? counter) => counter is null ? 0 : counter.Delta;

    private static GpuState GpuOf(NodeState node, GpuSample sample, bool update)
    {
        if (!node.Gpus.TryGetValue(sample.Uuid, out var gpu))
        {
            gpu = new GpuState(sample.Uuid);
            node.Gpus.Add(sample.Uuid, gpu);
            update = true;
        }

        if (update)
        {
            gpu.Update(sample); // gauges and identity: an early report's are older than what is there
        }

        return gpu;
    }

    private ServerState ServerOf(NodeState node, ServerSample sample, bool update)
    {
        if (!node.Servers.TryGetValue(sample.Name, out var server))
        {
            server = new ServerState(sample.Name, NodeWindows);
            node.Servers.Add(sample.Name, server);
        }
        else if (!update)
        {
            return server;
        }

        server.Engine = Retained.Keep(server.Engine, sample.Engine);
        server.Role = Retained.Keep(server.Role, sample.Role);
        server.GpuUuids = Retained.Keep(server.GpuUuids, sample.GpuUuids);
        server.Up = sample.Up;
        server.Error = Retained.Keep(server.Error, sample.Error);
        server.Tier = Retained.Keep(server.Tier, sample.Tier);
        return server;
    }

    /// <summary>
    /// Advances every stream's counters; adds each stream's token increments and new latency observations to
    /// <paramref name="into"/>. An <paramref name="early"/> report contributes its deltas and leaves the (newer) state alone.
    /// </summary>
    private static void ApplyStreams(Lock nodeSync, ServerState server, ServerSample sample, bool contiguous, bool early, ReportAttribution.Server into)
    {
        for (var i = 0; i < sample.Streams.Count; i++)
        {
            var s = sample.Streams[i];
            var stream = server.StreamOf(s);
            if (stream is null)
            {
                stream = new StreamState(s.Model, StreamState.SortedLabels(s), nodeSync);
                server.AddStream(StreamState.KeyOf(s), stream);
            }

            into.AddTokens(s.Model, new Accumulation
            {
                InputTokens = early ? DeltaOf(s.InputTokens) : stream.InputTokens.Advance(s.InputTokens, contiguous),
                OutputTokens = early ? DeltaOf(s.OutputTokens) : stream.OutputTokens.Advance(s.OutputTokens, contiguous),
            });
            if (early)
            {
                for (var j = 0; j < s.Histograms.Count; j++)
                {
                    var h = s.Histograms[j];
                    if (h.UpperBounds.Count > 0)
                    {
                        into.AddHistogram(s.Model, h, null, contiguous: true, [.. h.UpperBounds]);
                    }
                }

                continue; // request counters and gauges are exported raw, from the newest report
            }

            for (var j = 0; j < s.Requests.Count; j++)
            {
                var outcome = s.Requests[j];
                ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(stream.Requests, outcome.Outcome, out _);
                state.Advance(outcome.Count, contiguous);
            }

            for (var j = 0; j < s.Histograms.Count; j++)
            {
                var h = s.Histograms[j];
                stream.Histograms.TryGetValue(h.Metric, out var last);
                // A histogram with only +Inf (llama.cpp's decode time, Triton's µs counters) is a mean, not a
                // distribution: exported raw, but kept out of quantiles (it would swallow other sources' buckets).
                if (h.UpperBounds.Count > 0)
                {
                    into.AddHistogram(s.Model, h, last, contiguous, stream.BoundsOf(h));
                }

                stream.Histograms[h.Metric] = Retained.Copy(last, h); // in place: the decoded report is not kept
            }

            stream.Running = GpuState.Finite(s.HasRunningRequests, s.RunningRequests);
            stream.Waiting = GpuState.Finite(s.HasWaitingRequests, s.WaitingRequests);
            stream.KvCacheUsageRatio = GpuState.Finite(s.HasKvCacheUsageRatio, s.KvCacheUsageRatio);
        }
    }

    private void CountLate(bool late)
    {
        if (late)
        {
            Interlocked.Increment(ref _lateIncrements);
        }
    }
}
