using Telemetry.Collector.Configuration;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.Windows;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>One inference server on a node: identity, attributed energy, streams and its KPI ring.</summary>
internal sealed class ServerState(string name, IReadOnlyList<WindowDuration> windows)
{
    public string Name { get; } = name;
    public string Engine { get; set; } = "";
    public string Role { get; set; } = "";
    public string[] GpuUuids { get; set; } = [];
    public bool Up { get; set; }
    public string Error { get; set; } = "";
    public CounterState Energy;

    /// <summary>Sample time of the server's last applied scrape, on the collector's clock (Unix ms).</summary>
    public long LastSampleMs { get; set; }
    public Dictionary<string, StreamState> Streams { get; } = new(StringComparer.Ordinal);
    public ScopeWindows Windows { get; } = new(windows, singlePrecision: true);

    /// <summary>Price tier of this server's tokens (from the agent's configuration), or empty.</summary>
    public string Tier { get; set; } = "";

    private string? _modelLabel;
    private CachedLabels<(string, string, string, string, string, string)> _labels;
    private CachedLabels<(string, string, string, string, string, string, string)> _kpiLabels;

    /// <summary>Distinct model names of the streams, sorted and comma-joined: the server scope's <c>model</c> label.</summary>
    public string ModelLabel()
    {
        if (_modelLabel is null)
        {
            var models = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var s in Streams.Values)
            {
                models.Add(s.Model);
            }

            _modelLabel = string.Join(',', models);
        }

        return _modelLabel;
    }

    /// <summary>
    /// The stream <paramref name="s"/> reports, or null for a new one; found without building its key for the
    /// handful of streams a server has (this runs for every stream of every report).
    /// </summary>
    public StreamState? StreamOf(StreamSample s)
    {
        if (s.Labels.Count == 0)
        {
            return Streams.GetValueOrDefault(s.Model);
        }

        if (Streams.Count <= 16)
        {
            foreach (var stream in Streams.Values)
            {
                if (stream.Is(s))
                {
                    return stream;
                }
            }

            return null;
        }

        return Streams.GetValueOrDefault(StreamState.KeyOf(s));
    }

    /// <summary>Adds a stream (the only way streams are added, so the model label stays current).</summary>
    public void AddStream(string key, StreamState stream)
    {
        Streams.Add(key, stream);
        _modelLabel = null;
    }

    private CachedLabels<string> _nameLabels;

    /// <summary><c>server</c> alone, appended to a GPU's labels where a series joins the two.</summary>
    public LabelSet NameLabels => _nameLabels.Get(Name, static n => LabelSet.Of(new Label("server", n)));

    /// <summary>The node's identity, then <c>server</c>, <c>engine</c>, <c>role</c>.</summary>
    public LabelSet Labels(NodeState node) => _labels.Get((node.Node, node.Site, node.Pool, Name, Engine, Role), static k => LabelSet.Of(
        new("node", k.Item1), new("site", k.Item2), new("pool", k.Item3), new("server", k.Item4), new("engine", k.Item5), new("role", k.Item6)));

    private (LabelSet? Built, KeyValuePair<string, string>[] Labels) _scopeLabels;

    /// <summary>The server scope's labels as the JSON API lists them; rebuilt with <see cref="KpiLabels"/>.</summary>
    public KeyValuePair<string, string>[] ScopeLabels(NodeState node)
    {
        var set = KpiLabels(node);
        if (!ReferenceEquals(_scopeLabels.Built, set))
        {
            _scopeLabels = (set, [.. node.ScopeLabels, new("server", Name), new("engine", Engine), new("model", ModelLabel()), new("role", Role)]);
        }

        return _scopeLabels.Labels;
    }

    /// <summary>The server scope's KPI labels: <c>scope="server"</c>, the node's identity, server, engine, model, role.</summary>
    public LabelSet KpiLabels(NodeState node) => _kpiLabels.Get((node.Node, node.Site, node.Pool, Name, Engine, ModelLabel(), Role), static k => LabelSet.Of(
        new("scope", "server"), new("node", k.Item1), new("site", k.Item2), new("pool", k.Item3), new("server", k.Item4), new("engine", k.Item5), new("model", k.Item6), new("role", k.Item7)));
}
