namespace Telemetry.Collector.Windows;

/// <summary>
/// What one scope accumulates over a span of time: the numerators and denominators of every KPI,
/// so each KPI is a ratio of sums (never an average of ratios). Money is accumulated at ingest from
/// the configured prices, so a scope that spans sites with different prices is still right.
/// </summary>
public struct Accumulation
{
    public double InputTokens { get; set; }

    public double OutputTokens { get; set; }

    public double EnergyJoules { get; set; }

    /// <summary>Energy × the site's PUE: what the facility drew for this IT energy.</summary>
    public double FacilityEnergyJoules { get; set; }

    /// <summary>Energy × PUE × the site's price per kWh.</summary>
    public double EnergyCostUsd { get; set; }

    /// <summary>Energy from sites with no configured price or PUE: cost and facility KPIs are withheld while any is in a window.</summary>
    public double UnpricedEnergyJoules { get; set; }

    /// <summary>GPU-hours × hourly GPU cost, plus the node's fixed cost spread over its GPUs.</summary>
    public double CapacityCostUsd { get; set; }

    /// <summary>GPU time with no matching hourly cost: total cost is withheld while any is in a window.</summary>
    public double UnpricedGpuSeconds { get; set; }

    public double GpuSeconds { get; set; }

    /// <summary>Σ utilization × seconds over GPUs that reported utilization.</summary>
    public double UtilizationSeconds { get; set; }

    /// <summary>GPU seconds that carried a utilization reading (the denominator of mean utilization).</summary>
    public double UtilizationSampledSeconds { get; set; }

    /// <summary>Energy of GPUs whose servers produced no tokens in the interval (or that serve none).</summary>
    public double IdleEnergyJoules { get; set; }

    public readonly double TotalTokens => InputTokens + OutputTokens;

    public readonly bool IsEmpty => InputTokens == 0 && OutputTokens == 0 && EnergyJoules == 0 && GpuSeconds == 0
        && CapacityCostUsd == 0 && UnpricedGpuSeconds == 0;

    public void Add(in Accumulation o)
    {
        InputTokens += o.InputTokens;
        OutputTokens += o.OutputTokens;
        EnergyJoules += o.EnergyJoules;
        FacilityEnergyJoules += o.FacilityEnergyJoules;
        EnergyCostUsd += o.EnergyCostUsd;
        UnpricedEnergyJoules += o.UnpricedEnergyJoules;
        CapacityCostUsd += o.CapacityCostUsd;
        UnpricedGpuSeconds += o.UnpricedGpuSeconds;
        GpuSeconds += o.GpuSeconds;
        UtilizationSeconds += o.UtilizationSeconds;
        UtilizationSampledSeconds += o.UtilizationSampledSeconds;
        IdleEnergyJoules += o.IdleEnergyJoules;
    }

    public readonly Accumulation Scaled(double f) => new()
    {
        InputTokens = InputTokens * f,
        OutputTokens = OutputTokens * f,
        EnergyJoules = EnergyJoules * f,
        FacilityEnergyJoules = FacilityEnergyJoules * f,
        EnergyCostUsd = EnergyCostUsd * f,
        UnpricedEnergyJoules = UnpricedEnergyJoules * f,
        CapacityCostUsd = CapacityCostUsd * f,
        UnpricedGpuSeconds = UnpricedGpuSeconds * f,
        GpuSeconds = GpuSeconds * f,
        UtilizationSeconds = UtilizationSeconds * f,
        UtilizationSampledSeconds = UtilizationSampledSeconds * f,
        IdleEnergyJoules = IdleEnergyJoules * f,
    };
}
