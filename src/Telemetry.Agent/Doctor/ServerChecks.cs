using Telemetry.Agent.Configuration;
using Telemetry.Scraping;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Doctor;

/// <summary>
/// Scrapes every configured inference server once: reachable, engine recognised, and token counters present —
/// without tokens there is no tokens-per-joule, so a server that answers without them is a failure.
/// </summary>
public static class ServerChecks
{
    public static async Task<List<DoctorFinding>> RunAsync(IReadOnlyList<ServerOptions> servers, HttpClient http, CancellationToken ct)
    {
        var findings = new List<DoctorFinding>();
        if (servers.Count == 0)
        {
            findings.Add(DoctorFinding.Warn("servers", "no inference server configured: this node reports GPU energy only (all of it idle burn)",
                "set Agent:Servers:0:Url to the engine's /metrics URL (and :Name, :Engine if auto-detection is not wanted)"));
            return findings;
        }

        var scraper = new EngineScraper(http);
        for (var i = 0; i < servers.Count; i++)
        {
            findings.Add(await CheckAsync(i, servers[i], scraper, ct).ConfigureAwait(false));
        }

        return findings;
    }

    private static async Task<DoctorFinding> CheckAsync(int index, ServerOptions server, EngineScraper scraper, CancellationToken ct)
    {
        var name = server.Name.Length > 0 ? server.Name : $"#{index}";
        var subject = $"server {name} ({(server.Url.Length > 0 ? server.Url : "no URL")})";
        if (server.Engine == "simulated")
        {
            return DoctorFinding.Warn(subject, "SIMULATED engine: its tokens are not real", $"set Agent:Servers:{index}:Engine to auto and :Url to a real server's /metrics");
        }

        if (!Uri.TryCreate(server.Url, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
        {
            return DoctorFinding.Fail(subject, "no usable URL", $"set Agent:Servers:{index}:Url to the server's http(s) /metrics URL, e.g. http://127.0.0.1:8000/metrics");
        }

        var result = await scraper.ScrapeAsync(url, server.Engine, server.Model.Length > 0 ? server.Model : null, ct).ConfigureAwait(false);
        if (result.Reading is not { } reading)
        {
            var error = result.Error ?? "no reading";
            var fix = error.Contains("HTTP 404", StringComparison.Ordinal)
                ? $"the server answers but not at this path: Agent:Servers:{index}:Url must be its metrics path (vLLM, SGLang, TGI: /metrics; llama-server needs --metrics)"
                : error.StartsWith("GET ", StringComparison.Ordinal)
                    ? $"start the server, or fix Agent:Servers:{index}:Url (host and port of its metrics endpoint; from a container, the host network)"
                    : $"set Agent:Servers:{index}:Engine to the engine it is (auto, {string.Join(", ", EngineProfiles.All.Select(p => p.Engine))})";
            return DoctorFinding.Fail(subject, "not readable: " + error, fix);
        }

        var models = string.Join(", ", reading.Streams.Select(s => s.Model).Distinct());
        var withTokens = reading.Streams.Where(s => s.OutputTokens is not null || s.InputTokens is not null).ToList();
        if (withTokens.Count == 0)
        {
            return DoctorFinding.Fail(subject, $"engine {reading.Engine} answers but reports no token counters{(models.Length > 0 ? " (models: " + models + ")" : "")}",
                reading.Engine == "llamacpp"
                    ? "start llama-server with --metrics"
                    : $"check that Agent:Servers:{index}:Url is the inference engine's own /metrics (not a proxy or another exporter), and that Engine '{server.Engine}' is right");
        }

        var derived = withTokens.SelectMany(s => s.Derived).Distinct().ToList();
        return DoctorFinding.Ok(subject, $"engine {reading.Engine}; model(s) {models}; token counters present" +
            (derived.Count > 0 ? $" ({string.Join(", ", derived)} derived from a substitute, docs/engines.md)" : ""));
    }
}
