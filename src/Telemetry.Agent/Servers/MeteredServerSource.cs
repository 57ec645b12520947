using Telemetry.Agent.Configuration;
using Telemetry.Agent.Proxy;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Servers;

/// <summary>
/// A server behind the agent's metering proxy. With a <c>/metrics</c> URL the engine's own counters stay
/// the server's token totals and the proxy adds its per-tenant breakdown; without one (Ollama) the
/// proxy's counts are the server's streams, one per model, named <c>derived</c> as proxy-counted.
/// </summary>
public sealed class MeteredServerSource(ServerOptions options, IServerSource? engine, ProxyLedger ledger, TimeProvider time) : IServerSource
{
    public ServerOptions Options { get; } = options;

    public async Task<ServerReading> ReadAsync(CancellationToken ct)
    {
        var reading = engine is not null ? await engine.ReadAsync(ct).ConfigureAwait(false) : null;
        var proxied = ledger.Drain(time.GetUtcNow().ToUnixTimeMilliseconds());
        if (reading is not null)
        {
            return reading with { ProxyStreams = proxied };
        }

        var streams = proxied.GroupBy(p => p.Model, StringComparer.Ordinal).Select(g => new StreamReading
        {
            Model = g.Key,
            InputTokens = g.Sum(p => p.InputTokens),
            OutputTokens = g.Sum(p => p.OutputTokens),
            Requests = new[] { RequestOutcomes.Success, RequestOutcomes.Error, RequestOutcomes.Aborted }
                .ToDictionary(o => o, o => (double)g.Sum(p => p.Requests.GetValueOrDefault(o))),
            Derived = ["input_tokens", "output_tokens", "requests"],
        }).ToList();
        return new ServerReading(new EngineReading(Options.Engine == "auto" ? "proxy" : Options.Engine, Options.Proxy.Upstream, streams), null)
        {
            ProxyStreams = proxied,
        };
    }
}
