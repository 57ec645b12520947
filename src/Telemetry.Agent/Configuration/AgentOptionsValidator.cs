using Telemetry.Agent.Power.Integration;

namespace Telemetry.Agent.Configuration;

/// <summary>Checks <see cref="AgentOptions"/> once at start; each error names the key and what is valid.</summary>
public static class AgentOptionsValidator
{
    /// <summary>Faster than 10 Hz the agent would spend its time scraping; slower than 5 min, windows go blind.</summary>
    public const double MinIntervalSeconds = 0.1;

    public const double MaxIntervalSeconds = 300;

    public static readonly IReadOnlyList<string> Roles = ["unified", "prefill", "decode"];
    /// <summary>DESIGN §6's engine names (one profile each in Telemetry.Scraping), <c>auto</c>, and the demo's <c>simulated</c>.</summary>
    public static readonly IReadOnlyList<string> Engines = ["auto", "vllm", "sglang", "tgi", "llamacpp", "triton", "trtllm", "dynamo", "simulated"];

    public static IReadOnlyList<string> Validate(AgentOptions o)
    {
        var errors = new List<string>();
        if (!(o.IntervalSeconds >= MinIntervalSeconds && o.IntervalSeconds <= MaxIntervalSeconds))
        {
            errors.Add($"Agent:IntervalSeconds must be between {MinIntervalSeconds} and {MaxIntervalSeconds} (got {o.IntervalSeconds})");
        }

        CollectorUrlsValidator.Validate(o.Collector, errors);

        if (o.Collector.CaCertificatePath.Length > 0)
        {
            var configured = o.Collector.Urls.Count > 0 ? o.Collector.Urls : [o.Collector.Url.Length > 0 ? o.Collector.Url : CollectorClientOptions.DefaultUrl];
            foreach (var plain in configured.Where(u => Uri.TryCreate(u, UriKind.Absolute, out var parsed) && parsed.Scheme != "https"))
            {
                errors.Add($"Agent:Collector:CaCertificatePath is set but collector URL '{plain}' is not https: use https://, or remove the CA");
            }

            try
            {
                Reporting.CollectorHttp.LoadCaCertificates(o.Collector.CaCertificatePath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Security.Cryptography.CryptographicException)
            {
                errors.Add($"Agent:Collector:CaCertificatePath '{o.Collector.CaCertificatePath}' is not a readable PEM CA certificate: {ex.Message}");
            }
        }

        if (o.Collector.BacklogMaxReports < 1)
        {
            errors.Add("Agent:Collector:BacklogMaxReports must be at least 1");
        }

        if (o.Collector.BacklogMaxBytes < CollectorClientOptions.MinBacklogBytes)
        {
            errors.Add($"Agent:Collector:BacklogMaxBytes must be at least {CollectorClientOptions.MinBacklogBytes} (got {o.Collector.BacklogMaxBytes})");
        }

        if (o.Collector.SpoolDirectory.Length > 0 && o.Collector.SpoolMaxBytes < CollectorClientOptions.MinSpoolBytes)
        {
            errors.Add($"Agent:Collector:SpoolMaxBytes must be at least {CollectorClientOptions.MinSpoolBytes} (got {o.Collector.SpoolMaxBytes})");
        }

        if (!(o.Collector.TimeoutSeconds > 0))
        {
            errors.Add("Agent:Collector:TimeoutSeconds must be positive");
        }

        for (var i = 0; i < o.Power.Sources.Count; i++)
        {
            if (!PowerOptions.KnownSources.Contains(o.Power.Sources[i]))
            {
                errors.Add($"Agent:Power:Sources:{i} '{o.Power.Sources[i]}' is not a known source: {string.Join(", ", PowerOptions.KnownSources)}");
            }
        }

        if (o.Power.Simulated.Gpus is < 1 or > 64)
        {
            errors.Add("Agent:Power:Simulated:Gpus must be between 1 and 64");
        }

        if (!(o.Discovery.RefreshSeconds >= 1))
        {
            errors.Add($"Agent:Discovery:RefreshSeconds must be at least 1 (got {o.Discovery.RefreshSeconds})");
        }

        ValidatePower(o.Power, errors);

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Servers.Count; i++)
        {
            ValidateServer(o.Servers[i], $"Agent:Servers:{i}", names, errors);
        }

        return errors;
    }

    private static void ValidatePower(PowerOptions p, List<string> errors)
    {
        if (!(p.IntegrationHz >= PowerIntegrator.MinHz && p.IntegrationHz <= PowerIntegrator.MaxHz))
        {
            errors.Add($"Agent:Power:IntegrationHz must be between {PowerIntegrator.MinHz} and {PowerIntegrator.MaxHz} (got {p.IntegrationHz}): slower misses short power bursts");
        }

        if (string.IsNullOrWhiteSpace(p.SysfsRoot) || !Path.IsPathRooted(p.SysfsRoot))
        {
            errors.Add($"Agent:Power:SysfsRoot '{p.SysfsRoot}' must be an absolute path, e.g. /sys");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < p.Hwmon.Sensors.Count; i++)
        {
            var s = p.Hwmon.Sensors[i];
            var key = $"Agent:Power:Hwmon:Sensors:{i}";
            if (s.Name.Length == 0 || !names.Add(s.Name))
            {
                errors.Add($"{key}:Name is required and must be unique");
            }

            if (s.PowerPath.Length == 0 && s.EnergyPath.Length == 0)
            {
                errors.Add($"{key}: set PowerPath, EnergyPath or both");
            }

            if (!(s.PowerScale > 0 && double.IsFinite(s.PowerScale)))
            {
                errors.Add($"{key}:PowerScale must be a positive number (1e-6 for µW)");
            }

            if (!(s.EnergyScale > 0 && double.IsFinite(s.EnergyScale)))
            {
                errors.Add($"{key}:EnergyScale must be a positive number (1e-6 for µJ)");
            }
        }

        if (p.Sources.Contains("hwmon") && p.Hwmon.Sensors.Count == 0)
        {
            errors.Add("Agent:Power:Hwmon:Sensors must list at least one sensor when Agent:Power:Sources has hwmon");
        }

        if (!Uri.TryCreate(p.DcgmExporter.Url, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
        {
            errors.Add($"Agent:Power:DcgmExporter:Url '{p.DcgmExporter.Url}' is not an http(s) URL, e.g. http://127.0.0.1:9400/metrics");
        }

        if (!(p.DcgmExporter.TimeoutSeconds > 0 && p.DcgmExporter.TimeoutSeconds <= 60))
        {
            errors.Add("Agent:Power:DcgmExporter:TimeoutSeconds must be between 0 and 60");
        }
    }

    private static void ValidateServer(ServerOptions s, string key, HashSet<string> names, List<string> errors)
    {
        if (s.Name.Length == 0)
        {
            errors.Add($"{key}:Name is required");
        }
        else if (!names.Add(s.Name))
        {
            errors.Add($"{key}:Name '{s.Name}' is used by another server");
        }

        if (!Engines.Contains(s.Engine))
        {
            errors.Add($"{key}:Engine '{s.Engine}' is not one of {string.Join(", ", Engines)}");
        }

        if (s.Engine != "simulated" && !(s.Proxy.Enabled && s.Url.Length == 0) && (!Uri.TryCreate(s.Url, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https")))
        {
            errors.Add($"{key}:Url '{s.Url}' is not an http(s) URL of the server's /metrics");
        }

        ValidateProxy(s.Proxy, key + ":Proxy", errors);

        if (!Roles.Contains(s.Role))
        {
            errors.Add($"{key}:Role '{s.Role}' is not one of {string.Join(", ", Roles)}");
        }
    }

    private static void ValidateProxy(ProxyOptions p, string key, List<string> errors)
    {
        if (!p.Enabled)
        {
            return;
        }

        if (!Uri.TryCreate(p.Listen, UriKind.Absolute, out var listen) || listen.Scheme != "http")
        {
            errors.Add($"{key}:Listen '{p.Listen}' is not an http URL to listen on, e.g. http://127.0.0.1:8081");
        }

        if (!Uri.TryCreate(p.Upstream, UriKind.Absolute, out var up) || (up.Scheme != "http" && up.Scheme != "https"))
        {
            errors.Add($"{key}:Upstream '{p.Upstream}' is not the server's http(s) base URL, e.g. http://127.0.0.1:8080");
        }

        if (!(p.ActiveUserSeconds >= 1 && p.ActiveUserSeconds <= 86_400))
        {
            errors.Add($"{key}:ActiveUserSeconds must be between 1 and 86400 (got {p.ActiveUserSeconds})");
        }

        if (p.MaxRequestBodyBytes < 1024)
        {
            errors.Add($"{key}:MaxRequestBodyBytes must be at least 1024 (got {p.MaxRequestBodyBytes})");
        }

        if (!(p.UpstreamTimeoutSeconds > 0))
        {
            errors.Add($"{key}:UpstreamTimeoutSeconds must be positive");
        }
    }
}
