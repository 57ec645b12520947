using Telemetry.Agent.Configuration;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Servers;

/// <summary>One inference server the agent watches: its configuration and how to read it.</summary>
public interface IServerSource
{
    ServerOptions Options { get; }

    /// <summary>Reads the server once; never throws for an unreachable or broken server (returns the error).</summary>
    Task<ServerReading> ReadAsync(CancellationToken ct);
}

/// <summary>A reading (streams of cumulative counters) or, when the server could not be read, why.</summary>
public sealed record ServerReading(EngineReading? Reading, string? Error)
{
    /// <summary>When the values were read (Unix ms; the midpoint of the scrape), 0 if unknown.</summary>
    public long ReadMs { get; init; }

    /// <summary>What the server's metering proxy measured (Proxy.ProxyLedger), empty without a proxy.</summary>
    public IReadOnlyList<Proxy.ProxyStreamReading> ProxyStreams { get; init; } = [];
}
