namespace Telemetry.Collector.Windows;

/// <summary>
/// An <see cref="Accumulation"/> slot in single precision, for the rings of node and server scopes
/// (<see cref="WindowRing"/> with <c>singlePrecision</c>): 48 bytes instead of 96, which at 12,500 nodes is 60 MB of a
/// collector's state. Such a slot receives only its own node's or server's reports, one per interval, and each
/// addition rounds by at most 2^-24 (6e-8) of the slot's value: a 2-s slot of a 1-m window takes two or three, so
/// it is off by under 2e-7; even a 2-min slot of a 1-h node window (120 reports) stays under 1e-5 in the worst case.
/// Aggregate scopes, whose slots sum thousands of reports, keep doubles. Reading widens to double before summing.
/// </summary>
internal struct SingleSlot
{
    private float _inputTokens, _outputTokens, _energyJoules, _facilityEnergyJoules, _energyCostUsd, _unpricedEnergyJoules;
    private float _capacityCostUsd, _unpricedGpuSeconds, _gpuSeconds, _utilizationSeconds, _utilizationSampledSeconds, _idleEnergyJoules;

    public void Add(in Accumulation a)
    {
        _inputTokens = (float)(_inputTokens + a.InputTokens);
        _outputTokens = (float)(_outputTokens + a.OutputTokens);
        _energyJoules = (float)(_energyJoules + a.EnergyJoules);
        _facilityEnergyJoules = (float)(_facilityEnergyJoules + a.FacilityEnergyJoules);
        _energyCostUsd = (float)(_energyCostUsd + a.EnergyCostUsd);
        _unpricedEnergyJoules = (float)(_unpricedEnergyJoules + a.UnpricedEnergyJoules);
        _capacityCostUsd = (float)(_capacityCostUsd + a.CapacityCostUsd);
        _unpricedGpuSeconds = (float)(_unpricedGpuSeconds + a.UnpricedGpuSeconds);
        _gpuSeconds = (float)(_gpuSeconds + a.GpuSeconds);
        _utilizationSeconds = (float)(_utilizationSeconds + a.UtilizationSeconds);
        _utilizationSampledSeconds = (float)(_utilizationSampledSeconds + a.UtilizationSampledSeconds);
        _idleEnergyJoules = (float)(_idleEnergyJoules + a.IdleEnergyJoules);
    }

    public readonly Accumulation ToAccumulation() => new()
    {
        InputTokens = _inputTokens,
        OutputTokens = _outputTokens,
        EnergyJoules = _energyJoules,
        FacilityEnergyJoules = _facilityEnergyJoules,
        EnergyCostUsd = _energyCostUsd,
        UnpricedEnergyJoules = _unpricedEnergyJoules,
        CapacityCostUsd = _capacityCostUsd,
        UnpricedGpuSeconds = _unpricedGpuSeconds,
        GpuSeconds = _gpuSeconds,
        UtilizationSeconds = _utilizationSeconds,
        UtilizationSampledSeconds = _utilizationSampledSeconds,
        IdleEnergyJoules = _idleEnergyJoules,
    };
}
