using System.Globalization;
using Telemetry.Collector.Metrics;
using Telemetry.Exposition;
using Telemetry.Wire;

namespace Telemetry.Collector.State;

/// <summary>Latest known state of one GPU of a node, keyed by UUID.</summary>
internal sealed class GpuState(string uuid)
{
    public string Uuid { get; } = uuid;
    public uint Index { get; set; }
    public string Name { get; set; } = "";
    public string Source { get; set; } = "";
    public EnergyMethod Method { get; set; }
    public CounterState Energy;
    public GpuGauges Gauges { get; set; }
    public bool Lost { get; set; }

    private CachedLabels<(string, string, string, uint, string, string)> _labels;
    private CachedLabels<(string, EnergyMethod, bool)> _infoLabels;

    /// <summary>The node's identity, then <c>gpu</c>, <c>gpu_uuid</c>, <c>gpu_model</c>.</summary>
    public LabelSet Labels(NodeState node) => _labels.Get((node.Node, node.Site, node.Pool, Index, Uuid, Name), static k => LabelSet.Of(
        new("node", k.Item1), new("site", k.Item2), new("pool", k.Item3), new("gpu", k.Item4.ToString(CultureInfo.InvariantCulture)), new("gpu_uuid", k.Item5), new("gpu_model", k.Item6)));

    /// <summary>The extra labels of <c>inference_gpu_info</c>: power source, energy method, lost.</summary>
    public LabelSet InfoLabels => _infoLabels.Get((Source, Method, Lost), static k => LabelSet.Of(
        new("source", k.Item1), new("energy_method", MethodLabel(k.Item2)), new("lost", k.Item3 ? "true" : "false")));

    private static string MethodLabel(EnergyMethod m) => m switch
    {
        EnergyMethod.Counter => "counter",
        EnergyMethod.Integrated => "integrated",
        EnergyMethod.Simulated => "simulated",
        _ => "unknown",
    };

    public void Update(GpuSample sample)
    {
        Index = sample.Index;
        Name = Retained.Keep(Name, sample.Name);
        Source = Retained.Keep(Source, sample.Source);
        Method = sample.EnergyMethod;
        Lost = sample.Lost;
        Gauges = new GpuGauges(sample);
    }

    /// <summary>A gauge that is absent or not finite is unknown, not zero.</summary>
    internal static double? Finite(bool present, double value) => present && double.IsFinite(value) ? value : null;
}
