using System.Reflection;
using Microsoft.Extensions.Configuration;
using Telemetry.Collector.Configuration;

namespace Telemetry.Collector.Host;

/// <summary>
/// <c>telemetry-collector healthcheck</c>: GET /healthz of the collector this configuration describes, for
/// container HEALTHCHECKs (the runtime images carry no curl). A wildcard listen address is probed on loopback.
/// </summary>
internal static class HealthProbe
{
    public static string Version { get; } =
        typeof(HealthProbe).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        var listen = configuration[$"{CollectorOptions.SectionName}:Listen"] is { Length: > 0 } l ? l : new CollectorOptions().Listen;
        if (!Uri.TryCreate(listen.Split(';')[0], UriKind.Absolute, out var uri))
        {
            Console.Error.WriteLine($"healthcheck: Collector:Listen '{listen}' is not a URL");
            return 2;
        }

        var host = uri.Host is "0.0.0.0" or "[::]" or "*" or "+" ? "127.0.0.1" : uri.Host;
        var probe = new UriBuilder(uri.Scheme, host, uri.Port, "/healthz").Uri;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(probe).ConfigureAwait(false);
            Console.WriteLine($"{probe}: HTTP {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"{probe}: {ex.Message}");
            return 1;
        }
    }
}
