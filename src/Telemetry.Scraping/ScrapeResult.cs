using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping;

/// <summary>One scrape's outcome: a reading, or an error in plain words saying what to check. Exactly one is non-null.</summary>
public sealed record ScrapeResult(EngineReading? Reading, string? Error)
{
    public bool Succeeded => Reading is not null;

    internal static ScrapeResult Failed(string error) => new(null, error);
}
