namespace Telemetry.Scraping.Engines;

/// <summary>Everything one scrape of one engine endpoint yielded, one stream per model and engine.</summary>
#pragma warning disable CA1054, CA1056 // The URL is reported as the operator configured it, not re-normalized.
public sealed record EngineReading(string Engine, string Url, IReadOnlyList<StreamReading> Streams);
#pragma warning restore CA1054, CA1056
