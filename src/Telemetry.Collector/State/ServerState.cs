using Telemetry.Collector.Configuration;
using Telemetry.Collector.Windows;

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
    public ScopeWindows Windows { get; } = new(windows);

    /// <summary>Price tier of this server's tokens (from the agent's configuration), or empty.</summary>
    public string Tier { get; set; } = "";

    /// <summary>Distinct model names of the streams, sorted and comma-joined: the server scope's <c>model</c> label.</summary>
    public string ModelLabel()
    {
        var models = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in Streams.Values)
        {
            models.Add(s.Model);
        }

        return string.Join(',', models);
    }
}
