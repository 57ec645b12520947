using System.Collections.Concurrent;
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
/// All nodes and the fleet ring. Applies validated reports: de-duplicates by (agent instance,
/// sequence), resolves counter increments (<see cref="CounterState"/>), corrects the agent's clock
/// offset, and places increments in the server, node and fleet rings by sample time.
/// Thread-safe: reports of different nodes apply in parallel.
/// </summary>
internal sealed class FleetState
{
    /// <summary>Clock offsets below this are network delay and jitter, not skew: left uncorrected.</summary>
    private const long SkewToleranceMs = 1000;

    private readonly ConcurrentDictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Lock _fleetSync = new();
    private readonly WindowRing _fleetRing;
    private readonly int _ringSeconds;
    private long _lateIncrements;

    public FleetState(int ringSeconds)
    {
        _ringSeconds = ringSeconds;
        _fleetRing = new WindowRing(ringSeconds);
    }

    public int RingSeconds => _ringSeconds;

    /// <summary>Ring additions that were partly or wholly older than the rings hold (kept in raw counters only).</summary>
    public long LateIncrements => Interlocked.Read(ref _lateIncrements);

    public ICollection<NodeState> Nodes => _nodes.Values;

    public bool TryGetNode(string node, out NodeState? state) => _nodes.TryGetValue(node, out state);

    public bool RemoveNode(string node) => _nodes.TryRemove(node, out _);

    /// <summary>Reads the fleet ring under its lock.</summary>
    public Accumulation SumFleet(long endSecondExclusive, int seconds)
    {
        lock (_fleetSync)
        {
            return _fleetRing.Sum(endSecondExclusive, seconds);
        }
    }

    public long? FleetOldestSecond
    {
        get
        {
            lock (_fleetSync)
            {
                return _fleetRing.OldestSecond;
            }
        }
    }

    public ApplyOutcome Apply(NodeReport report, long receivedMs)
    {
        var node = _nodes.GetOrAdd(report.Node, static (n, s) => new NodeState(n, s), _ringSeconds);
        Accumulation nodeIncrement;
        long fromMs, toMs;
        lock (node.Sync)
        {
            var sameInstance = node.AgentInstanceId == report.AgentInstanceId;
            if (sameInstance && report.Sequence <= node.LastSequence)
            {
                return ApplyOutcome.Duplicate;
            }

            // A new agent instance has no continuity with the old one: its first deltas are its own
            // (0 for counters it just started watching), never cumulative differences across instances.
            var contiguous = !sameInstance || report.Sequence == node.LastSequence + 1;

            node.ClockOffsetMs = MeasureOffset(report, receivedMs);
            toMs = report.SampleTimeUnixMs + node.ClockOffsetMs;
            fromMs = report.PreviousSampleTimeUnixMs == 0 ? toMs : report.PreviousSampleTimeUnixMs + node.ClockOffsetMs;
            if (!contiguous && node.LastSampleMs > 0)
            {
                fromMs = node.LastSampleMs; // increments recovered across a gap span the gap
            }

            node.AgentInstanceId = report.AgentInstanceId;
            node.AgentVersion = report.AgentVersion;
            node.LastSequence = report.Sequence;
            node.LastSampleMs = toMs;
            node.LastReceivedMs = receivedMs;
            node.Site = report.Site;
            node.Pool = report.Pool;
            node.IntervalSeconds = report.IntervalSeconds > 0 ? report.IntervalSeconds : 1;
            node.SourceErrors = [.. report.SourceErrors];

            nodeIncrement = default;
            nodeIncrement.EnergyJoules = ApplyGpus(node, report, contiguous);
            foreach (var server in report.Servers)
            {
                var serverIncrement = ApplyServer(node, server, contiguous);
                nodeIncrement.InputTokens += serverIncrement.InputTokens;
                nodeIncrement.OutputTokens += serverIncrement.OutputTokens;
                CountLate(node.Servers[server.Name].Ring.Add(fromMs, toMs, serverIncrement));
            }

            CountLate(node.Ring.Add(fromMs, toMs, nodeIncrement));
        }

        lock (_fleetSync)
        {
            CountLate(_fleetRing.Add(fromMs, toMs, nodeIncrement));
        }

        return ApplyOutcome.Accepted;
    }

    private static long MeasureOffset(NodeReport report, long receivedMs)
    {
        if (report.SentTimeUnixMs <= 0)
        {
            return 0;
        }

        var offset = receivedMs - report.SentTimeUnixMs;
        return Math.Abs(offset) < SkewToleranceMs ? 0 : offset;
    }

    private static double ApplyGpus(NodeState node, NodeReport report, bool contiguous)
    {
        var energy = 0.0;
        foreach (var sample in report.Gpus)
        {
            if (!node.Gpus.TryGetValue(sample.Uuid, out var gpu))
            {
                gpu = new GpuState(sample.Uuid);
                node.Gpus.Add(sample.Uuid, gpu);
            }

            gpu.Update(sample);
            energy += gpu.Energy.Advance(sample.EnergyJoules, contiguous);
        }

        return energy;
    }

    private Accumulation ApplyServer(NodeState node, ServerSample sample, bool contiguous)
    {
        if (!node.Servers.TryGetValue(sample.Name, out var server))
        {
            server = new ServerState(sample.Name, _ringSeconds);
            node.Servers.Add(sample.Name, server);
        }

        server.Engine = sample.Engine;
        server.Role = sample.Role;
        server.GpuUuids = [.. sample.GpuUuids];
        server.Up = sample.Up;
        server.Error = sample.Error;

        var increment = default(Accumulation);
        increment.EnergyJoules = server.Energy.Advance(sample.EnergyJoules, contiguous);
        foreach (var s in sample.Streams)
        {
            var key = StreamState.KeyOf(s);
            if (!server.Streams.TryGetValue(key, out var stream))
            {
                stream = new StreamState(s.Model, StreamState.SortedLabels(s));
                server.Streams.Add(key, stream);
            }

            increment.InputTokens += stream.InputTokens.Advance(s.InputTokens, contiguous);
            increment.OutputTokens += stream.OutputTokens.Advance(s.OutputTokens, contiguous);
            foreach (var outcome in s.Requests)
            {
                ref var state = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(stream.Requests, outcome.Outcome, out _);
                state.Advance(outcome.Count, contiguous);
            }

            foreach (var h in s.Histograms)
            {
                stream.Histograms[h.Metric] = h;
            }

            stream.Running = GpuState.Finite(s.HasRunningRequests, s.RunningRequests);
            stream.Waiting = GpuState.Finite(s.HasWaitingRequests, s.WaitingRequests);
            stream.KvCacheUsageRatio = GpuState.Finite(s.HasKvCacheUsageRatio, s.KvCacheUsageRatio);
        }

        return increment;
    }

    private void CountLate(double droppedFraction)
    {
        if (droppedFraction > 0)
        {
            Interlocked.Increment(ref _lateIncrements);
        }
    }
}
