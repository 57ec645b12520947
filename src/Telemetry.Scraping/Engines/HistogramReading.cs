namespace Telemetry.Scraping.Engines;

/// <summary>
/// A cumulative histogram as the engine exposes it: finite <c>le</c> bounds ascending (the +Inf
/// bucket is implied and equals <see cref="Count"/>), the cumulative count at each bound, the total
/// count and sum. Bounds come from the payload, never from assumptions.
/// </summary>
#pragma warning disable CA1819 // Arrays by contract: cheap to build, read by index on hot paths.
public sealed record HistogramReading(double[] UpperBounds, double[] CumulativeCounts, double Count, double Sum);
#pragma warning restore CA1819
