namespace Telemetry.Collector.Windows;

/// <summary>What one scope accumulates in one second: token and energy increments.</summary>
public struct Accumulation
{
    public double InputTokens { get; set; }

    public double OutputTokens { get; set; }

    public double EnergyJoules { get; set; }

    public readonly double TotalTokens => InputTokens + OutputTokens;

    public readonly bool IsEmpty => InputTokens == 0 && OutputTokens == 0 && EnergyJoules == 0;

    public void Add(in Accumulation other)
    {
        InputTokens += other.InputTokens;
        OutputTokens += other.OutputTokens;
        EnergyJoules += other.EnergyJoules;
    }

    public readonly Accumulation Scaled(double factor) => new()
    {
        InputTokens = InputTokens * factor,
        OutputTokens = OutputTokens * factor,
        EnergyJoules = EnergyJoules * factor,
    };
}
