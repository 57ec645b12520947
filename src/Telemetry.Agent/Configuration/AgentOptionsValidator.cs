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

        if (!Uri.TryCreate(o.Collector.Url, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
        {
            errors.Add($"Agent:Collector:Url '{o.Collector.Url}' is not an http(s) URL, e.g. http://collector:9464");
        }

        if (o.Collector.BacklogMaxReports < 1)
        {
            errors.Add("Agent:Collector:BacklogMaxReports must be at least 1");
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

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Servers.Count; i++)
        {
            ValidateServer(o.Servers[i], $"Agent:Servers:{i}", names, errors);
        }

        return errors;
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

        if (s.Engine != "simulated" && (!Uri.TryCreate(s.Url, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https")))
        {
            errors.Add($"{key}:Url '{s.Url}' is not an http(s) URL of the server's /metrics");
        }

        if (!Roles.Contains(s.Role))
        {
            errors.Add($"{key}:Role '{s.Role}' is not one of {string.Join(", ", Roles)}");
        }
    }
}
