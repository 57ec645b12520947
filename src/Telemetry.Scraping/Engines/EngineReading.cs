namespace Telemetry.Scraping.Engines;

/// <summary>
/// Everything one scrape of one engine endpoint yielded: one stream per model and engine, and — for
/// the one engine that exports it (Triton, from DCGM) — the GPUs' own power and energy, kept only as
/// a cross-check of the agent's NVML readings, never as the energy source.
/// </summary>
#pragma warning disable CA1054, CA1056 // The URL is reported as the operator configured it, not re-normalized.
public sealed record EngineReading(string Engine, string Url, IReadOnlyList<StreamReading> Streams)
{
    public IReadOnlyList<EngineGpuPower> GpuPower { get; init; } = [];
}
#pragma warning restore CA1054, CA1056

/// <summary>One GPU's power (W, gauge) and energy since the engine started (J, counter) as the engine reports them.</summary>
public sealed record EngineGpuPower(string GpuUuid, double? PowerWatts, double? EnergyJoules);
