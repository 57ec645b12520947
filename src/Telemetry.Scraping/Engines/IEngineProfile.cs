using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// Knows one engine's metric names and maps a parsed payload into an <see cref="EngineReading"/>.
/// Implementations are stateless and thread-safe; they never throw on odd payloads, they omit.
/// </summary>
public interface IEngineProfile
{
    /// <summary>The engine name used in configuration and output, e.g. <c>vllm</c>.</summary>
    string Engine { get; }

    /// <summary>True when the payload carries this engine's metrics (used by <c>auto</c>).</summary>
    bool Recognizes(ParsedPayload payload);

    EngineReading Read(ParsedPayload payload, string url, string? modelOverride);
}
