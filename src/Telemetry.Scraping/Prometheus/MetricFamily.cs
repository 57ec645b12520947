namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// A metric family: the name from its <c># TYPE</c>/<c># HELP</c> line (or, without one, the first
/// sample's name) and every sample grouped under it, in payload order.
/// </summary>
public sealed class MetricFamily
{
    private readonly List<MetricSample> _samples = [];

    internal MetricFamily(string name, MetricType type, bool typeDeclared)
    {
        Name = name;
        Type = type;
        TypeDeclared = typeDeclared;
    }

    public string Name { get; }

    public MetricType Type { get; private set; }

    public string? Help { get; private set; }

    public IReadOnlyList<MetricSample> Samples => _samples;

    /// <summary>True once a TYPE line named this family.</summary>
    internal bool TypeDeclared { get; private set; }

    internal void DeclareType(MetricType type)
    {
        Type = type;
        TypeDeclared = true;
    }

    internal void SetHelpIfMissing(string help) => Help ??= help;

    internal void Add(MetricSample sample) => _samples.Add(sample);

    public override string ToString() => $"{Name} ({Type}, {_samples.Count} samples)";
}
