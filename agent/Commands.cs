using System.Text.Json;
using Telemetry.Agent.Power;
using Telemetry.Scraping;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Host;

/// <summary>The one-shot commands: <c>inspect</c> and <c>gpus</c>.</summary>
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

    public static int Gpus(PowerReading reading, bool json)
    {
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            using var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteStartArray("gpus");
            foreach (var g in reading.Gpus)
            {
                w.WriteStartObject();
                w.WriteNumber("index", g.Index);
                w.WriteString("uuid", g.Uuid);
                w.WriteString("name", g.Name);
                w.WriteString("source", g.Source);
                w.WriteString("energy_method", g.Method.ToString().ToLowerInvariant());
                Number(w, "energy_joules", g.EnergyJoules);
                Number(w, "power_watts", g.PowerWatts);
                Number(w, "power_limit_watts", g.PowerLimitWatts);
                Number(w, "utilization_ratio", g.UtilizationRatio);
                Number(w, "memory_used_bytes", g.MemoryUsedBytes);
                Number(w, "memory_total_bytes", g.MemoryTotalBytes);
                Number(w, "temperature_celsius", g.TemperatureCelsius);
                w.WriteBoolean("lost", g.Lost);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("errors");
            foreach (var e in reading.Errors)
            {
                w.WriteStringValue(e);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            stdout.WriteByte((byte)'\n');
        }
        else
        {
            foreach (var g in reading.Gpus)
            {
                Console.WriteLine($"{g.Index}  {g.Uuid}  {g.Name}  [{g.Source}]  energy {Show(g.EnergyJoules, "J")}  power {Show(g.PowerWatts, "W")}");
            }

            foreach (var e in reading.Errors)
            {
                Console.WriteLine("! " + e);
            }
        }

        return reading.Gpus.Count > 0 ? 0 : 1;
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static string Show(double? v, string unit) => v is { } x ? $"{x:0.###} {unit}" : "n/a";
}
