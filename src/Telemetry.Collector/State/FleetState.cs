using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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

    public long? FleetFirstFullSecond
    {
        get
        {
            lock (_fleetSync)
            {
                return _fleetRing.FirstFullSecond;
            }
        }
    }

    public ApplyOutcome Apply(NodeReport report, long receivedMs)
    {
        var node = _nodes.GetOrAdd(report.Node, static (n, s) => new NodeState(n, s), _ringSeconds);
        var fleetIncrements = new List<(long FromMs, long ToMs, Accumulation Value)>(1 + report.Servers.Count);
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
            var offset = node.ClockOffset.Observe(receivedMs, report.SentTimeUnixMs);
            var (fromMs, toMs) = Span(report.PreviousSampleTimeUnixMs, report.SampleTimeUnixMs, offset, contiguous, node.LastSampleMs);
            if (node.LastSampleMs == 0)
            {
                node.Ring.NoteInputStart(fromMs);
            }

            node.ClockOffsetMs = offset;
            node.AgentInstanceId = report.AgentInstanceId;
            node.AgentVersion = report.AgentVersion;
            node.LastSequence = report.Sequence;
            node.LastSampleMs = toMs;
            node.LastReceivedMs = receivedMs;
            node.Site = report.Site;
            node.Pool = report.Pool;
            node.IntervalSeconds = report.IntervalSeconds > 0 ? report.IntervalSeconds : 1;
            node.SourceErrors = [.. report.SourceErrors];

            // Energy is placed over the power sample's span; each server's tokens over the span of
            // its own scrape, which may lag the power read by the scrape's latency.
            var nodeEnergy = new Accumulation { EnergyJoules = ApplyGpus(node, report, contiguous) };
            CountLate(node.Ring.Add(fromMs, toMs, nodeEnergy));
            fleetIncrements.Add((fromMs, toMs, nodeEnergy));
            foreach (var sample in report.Servers)
            {
                var isNewServer = !node.Servers.ContainsKey(sample.Name);
                var server = ServerOf(node, sample);
                if (isNewServer)
                {
                    server.Ring.NoteInputStart(fromMs);
                }

                var serverEnergy = new Accumulation { EnergyJoules = server.Energy.Advance(sample.EnergyJoules, contiguous) };
                CountLate(server.Ring.Add(fromMs, toMs, serverEnergy));
                if (sample.Streams.Count == 0)
                {
                    continue; // not read this interval: its tokens arrive, spread over the outage, when it is
                }

                var tokens = ApplyStreams(server, sample, contiguous);
                var (tokensFrom, tokensTo) = sample.SampleTimeUnixMs > 0
                    ? Span(sample.PreviousSampleTimeUnixMs, sample.SampleTimeUnixMs, offset, contiguous, server.LastSampleMs)
                    : (fromMs, toMs);
                if (server.LastSampleMs == 0)
                {
                    // Until a server's tokens are first read its energy has no tokens to set against:
                    // young windows start when both are known.
                    server.Ring.NoteInputStart(tokensFrom);
                    node.Ring.NoteInputStart(tokensFrom);
                }

                server.LastSampleMs = tokensTo;
                CountLate(server.Ring.Add(tokensFrom, tokensTo, tokens));
                CountLate(node.Ring.Add(tokensFrom, tokensTo, tokens));
                fleetIncrements.Add((tokensFrom, tokensTo, tokens));
            }
        }

        lock (_fleetSync)
        {
            foreach (var (from, to, value) in fleetIncrements)
            {
                CountLate(_fleetRing.Add(from, to, value));
            }
        }

        return ApplyOutcome.Accepted;
    }

    /// <summary>
    /// The span [from, to) an increment covers, on the collector's clock. After a gap the increment
    /// was recovered from cumulative values, so it spans from the last sample this collector applied.
    /// </summary>
    private static (long FromMs, long ToMs) Span(long previousMs, long sampleMs, long offsetMs, bool contiguous, long lastAppliedMs)
    {
        var to = sampleMs + offsetMs;
        var from = previousMs == 0 ? to : previousMs + offsetMs;
        if (!contiguous && lastAppliedMs > 0 && lastAppliedMs < to)
        {
            from = lastAppliedMs;
        }

        return (from, to);
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

    private ServerState ServerOf(NodeState node, ServerSample sample)
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
        return server;
    }

    /// <summary>Advances every stream's counters; returns the server's token increments.</summary>
    private static Accumulation ApplyStreams(ServerState server, ServerSample sample, bool contiguous)
    {
        var increment = default(Accumulation);
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
                ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(stream.Requests, outcome.Outcome, out _);
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
