using Telemetry.Scraping;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Host;

/// <summary>The one-shot <c>inspect</c> command (<c>gpus</c> is <see cref="GpusCommand"/>).</summary>
internal static class Commands
{
    public static async Task<int> InspectAsync(string[] args)
    {
        string? url = null;
        string? model = null;
        var engine = "auto";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--url" when i + 1 < args.Length:
                    url = args[++i];
                    break;
                case "--engine" when i + 1 < args.Length:
                    engine = args[++i];
                    break;
                case "--model" when i + 1 < args.Length:
                    model = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"inspect: unexpected argument '{args[i]}'\nusage: telemetry-agent inspect --url URL [--engine auto|{string.Join('|', EngineProfiles.All.Select(p => p.Engine))}] [--model NAME]");
                    return 2;
            }
        }

        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            Console.Error.WriteLine("inspect: --url must be the http(s) URL of a server's /metrics");
            return 2;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var result = await new EngineScraper(http).ScrapeAsync(uri, engine, model, CancellationToken.None).ConfigureAwait(false);
        if (result.Reading is null)
        {
            Console.Error.WriteLine("inspect: " + result.Error);
            return 1;
        }

        Console.WriteLine(InspectJson.Write(result.Reading));
        return 0;
    }
}
