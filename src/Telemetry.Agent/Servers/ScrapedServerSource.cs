using Telemetry.Agent.Configuration;
using Telemetry.Scraping;

namespace Telemetry.Agent.Servers;

/// <summary>An engine read by scraping its Prometheus <c>/metrics</c> (vLLM today; more profiles plug in).</summary>
public sealed class ScrapedServerSource(ServerOptions options, EngineScraper scraper) : IServerSource
{
    private readonly Uri _url = new(options.Url);

    public ServerOptions Options { get; } = options;

    public async Task<ServerReading> ReadAsync(CancellationToken ct)
    {
        var result = await scraper.ScrapeAsync(_url, Options.Engine, Options.Model.Length > 0 ? Options.Model : null, ct).ConfigureAwait(false);
        return new ServerReading(result.Reading, result.Error);
    }
}
