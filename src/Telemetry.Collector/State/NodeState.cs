using Telemetry.Collector.Configuration;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.Windows;
using Telemetry.Exposition;

namespace Telemetry.Collector.State;

/// <summary>
/// Everything the collector knows about one node. Guarded by <see cref="Sync"/>: one report of a
/// node is applied at a time, and scrapes read under the same lock.
/// </summary>
internal sealed class NodeState(string node, IReadOnlyList<WindowDuration> windows)
{
    public Lock Sync { get; } = new();
    public string Node { get; } = node;
    public string Site { get; set; } = "";
    public string Pool { get; set; } = "";
    public string AgentInstanceId { get; set; } = "";
    public string AgentVersion { get; set; } = "";
    public ulong LastSequence { get; set; }

    /// <summary>Most reports older than the first applied of an instance that are remembered: the agent's default backlog (3600) with room.</summary>
    public const int MaxEarlyReports = 4096;

    private readonly HashSet<ulong> _early = [];

    /// <summary>The first sequence of the current agent instance this collector applied.</summary>
    public ulong FirstSequence { get; private set; }

    /// <summary>For an instance that reports again after another one did: the last sequence applied before (all up to it are done).</summary>
    public ulong ResumedAfter { get; private set; }

    /// <summary>Where previous agent instances of this node stopped, so their spooled replays are deduplicated too.</summary>
    public InstanceHistory PastInstances { get; } = new();

    /// <summary>The agent's backlog and spool as its last accepted report carried them (null from agents that do not send it).</summary>
    public Wire.AgentHealth? AgentHealth { get; set; }

    /// <summary>
    /// An agent instance becomes current: its reports are counted from <paramref name="firstSequence"/> on, and
    /// (for an instance seen before) none at or below <paramref name="resumedAfter"/> again.
    /// </summary>
    public void StartInstance(ulong firstSequence, ulong resumedAfter)
    {
        FirstSequence = firstSequence;
        ResumedAfter = resumedAfter;
        _early.Clear();
    }

    /// <summary>
    /// Records that a report older than <see cref="FirstSequence"/> is applied; false when it already was
    /// (or when <see cref="MaxEarlyReports"/> are remembered: it is then treated as a duplicate).
    /// </summary>
    public bool NoteEarly(ulong sequence) => _early.Count < MaxEarlyReports && _early.Add(sequence);

    /// <summary>Sample time of the last applied report, corrected to the collector's clock (Unix ms).</summary>
    public long LastSampleMs { get; set; }

    public long LastReceivedMs { get; set; }
    public double IntervalSeconds { get; set; } = 1;

    /// <summary>Collector clock minus agent clock, as applied to this node's sample times.</summary>
    public ClockOffsetEstimator ClockOffset { get; } = new();

    /// <summary>The offset applied to the last report (ms).</summary>
    public long ClockOffsetMs { get; set; }

    public string[] SourceErrors { get; set; } = [];
    public Dictionary<string, GpuState> Gpus { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ServerState> Servers { get; } = new(StringComparer.Ordinal);
    public ScopeWindows Windows { get; } = new(windows, singlePrecision: true);

    /// <summary>Set (under <see cref="Sync"/>) when the node is forgotten; a late report then starts a fresh state.</summary>
    public bool Removed { get; set; }

    private CachedLabels<(string, string, string)> _labels;
    private CachedLabels<(string, string, string)> _kpiLabels;

    /// <summary><c>node</c>, <c>site</c>, <c>pool</c>: the identity every per-node series starts with.</summary>
    public LabelSet Labels => _labels.Get((Node, Site, Pool), static k => LabelSet.Of(new("node", k.Item1), new("site", k.Item2), new("pool", k.Item3)));

    private (LabelSet? Built, KeyValuePair<string, string>[] Labels) _scopeLabels;

    /// <summary>The node scope's labels as the JSON API lists them; rebuilt with <see cref="KpiLabels"/>.</summary>
    public KeyValuePair<string, string>[] ScopeLabels
    {
        get
        {
            var set = KpiLabels;
            if (!ReferenceEquals(_scopeLabels.Built, set))
            {
                _scopeLabels = (set, [new("node", Node), new("site", Site), new("pool", Pool)]);
            }

            return _scopeLabels.Labels;
        }
    }

    /// <summary>The node scope's KPI labels: <c>scope="node"</c> and the identity.</summary>
    public LabelSet KpiLabels => _kpiLabels.Get((Node, Site, Pool), static k => LabelSet.Of(new("scope", "node"), new("node", k.Item1), new("site", k.Item2), new("pool", k.Item3)));
}
