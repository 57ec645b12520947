namespace Telemetry.Collector.Configuration;

/// <summary>
/// Checks <see cref="CollectorOptions"/> once at start. Every problem names the configuration key
/// (in the <c>Section:Key</c> form operators type) and what would be valid.
/// </summary>
public static class CollectorOptionsValidator
{
    public static IReadOnlyList<string> Validate(CollectorOptions options)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(options.Listen, UriKind.Absolute, out var listen) || (listen.Scheme != "http" && listen.Scheme != "https"))
        {
            errors.Add($"Collector:Listen '{options.Listen}' is not an http(s) URL, e.g. http://127.0.0.1:9464");
        }

        for (var i = 0; i < options.Windows.Count; i++)
        {
            if (WindowDuration.TryParse(options.Windows[i], out var error) is null)
            {
                errors.Add($"Collector:Windows:{i}: {error}");
            }
        }

        ValidateNodeKpiWindows(options, errors);
        for (var i = 0; i < options.Auth.Tokens.Count; i++)
        {
            var token = options.Auth.Tokens[i];
            if (token.Token.Length < MinTokenLength)
            {
                errors.Add($"Collector:Auth:Tokens:{i}:Token must be at least {MinTokenLength} characters");
            }

            if (token.Nodes.Count == 0)
            {
                errors.Add($"Collector:Auth:Tokens:{i}:Nodes is empty: list the node ids this token may report for, or \"*\"");
            }
        }

        for (var i = 0; i < options.Auth.ReadTokens.Count; i++)
        {
            if (options.Auth.ReadTokens[i].Length < MinTokenLength)
            {
                errors.Add($"Collector:Auth:ReadTokens:{i} must be at least {MinTokenLength} characters");
            }
        }

        ValidateRateLimit(options.RateLimit, errors);
        ValidateCost(options.Cost, errors);
        var tiers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Tiers.Count; i++)
        {
            var t = options.Tiers[i];
            if (t.Name.Length == 0 || !tiers.Add(t.Name))
            {
                errors.Add($"Collector:Tiers:{i}:Name must be set and unique");
            }

            if (!(t.PricePerMillionTokensUsd >= 0) || double.IsInfinity(t.PricePerMillionTokensUsd))
            {
                errors.Add($"Collector:Tiers:{i}:PricePerMillionTokensUsd must be a non-negative number");
            }

            if (!(t.TtftSloSeconds >= 0) || double.IsInfinity(t.TtftSloSeconds))
            {
                errors.Add($"Collector:Tiers:{i}:TtftSloSeconds must be a non-negative number of seconds");
            }
        }

        if (options.MaxReportBytes < 1024)
        {
            errors.Add("Collector:MaxReportBytes must be at least 1024");
        }

        if (!(options.StaleAfterIntervals >= 1))
        {
            errors.Add("Collector:StaleAfterIntervals must be at least 1");
        }

        OtlpOptionsValidator.Validate(options.Otlp, errors);

        return errors;
    }

    private static void ValidateRateLimit(RateLimitOptions limit, List<string> errors)
    {
        if (!(limit.ReportsPerSecond >= 0) || double.IsInfinity(limit.ReportsPerSecond))
        {
            errors.Add($"Collector:RateLimit:ReportsPerSecond must be a non-negative number (0 = no per-node limit; got {limit.ReportsPerSecond})");
        }

        if (!(limit.Burst >= 1) || double.IsInfinity(limit.Burst))
        {
            errors.Add($"Collector:RateLimit:Burst must be at least 1 report (got {limit.Burst})");
        }

        if (limit.MaxInFlight < 0)
        {
            errors.Add($"Collector:RateLimit:MaxInFlight must be 0 (no limit) or more (got {limit.MaxInFlight})");
        }
    }

    private static void ValidateCost(CostOptions cost, List<string> errors)
    {
        var sites = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < cost.Sites.Count; i++)
        {
            var s = cost.Sites[i];
            var key = $"Collector:Cost:Sites:{i}";
            if (s.Name.Length == 0 || !sites.Add(s.Name))
            {
                errors.Add($"{key}:Name must be set and unique");
            }

            if (!(s.PricePerKwhUsd >= 0) || double.IsInfinity(s.PricePerKwhUsd))
            {
                errors.Add($"{key}:PricePerKwhUsd must be a non-negative price (got {s.PricePerKwhUsd})");
            }

            if (!(s.Pue >= 1 && s.Pue <= 5))
            {
                errors.Add($"{key}:Pue must be between 1 and 5 (facility energy ÷ IT energy; got {s.Pue})");
            }

            if (!(s.NodeHourlyUsd >= 0) || double.IsInfinity(s.NodeHourlyUsd))
            {
                errors.Add($"{key}:NodeHourlyUsd must be a non-negative price (got {s.NodeHourlyUsd})");
            }
        }

        if (cost.DefaultSite.Length > 0 && !sites.Contains(cost.DefaultSite))
        {
            errors.Add($"Collector:Cost:DefaultSite '{cost.DefaultSite}' is not a site in Collector:Cost:Sites");
        }

        for (var i = 0; i < cost.Gpus.Count; i++)
        {
            var g = cost.Gpus[i];
            if (g.Match.Length == 0)
            {
                errors.Add($"Collector:Cost:Gpus:{i}:Match must name (part of) a GPU model, e.g. H100");
            }

            if (!(g.HourlyUsd >= 0) || double.IsInfinity(g.HourlyUsd))
            {
                errors.Add($"Collector:Cost:Gpus:{i}:HourlyUsd must be a non-negative price (got {g.HourlyUsd})");
            }
        }
    }

    /// <summary>Value of <see cref="CollectorOptions.NodeKpiWindows"/> that turns node and server KPIs off.</summary>
    public const string NoWindows = "none";

    private static void ValidateNodeKpiWindows(CollectorOptions options, List<string> errors)
    {
        var known = options.Windows.Count > 0 ? options.Windows : CollectorOptions.DefaultWindows;
        for (var i = 0; i < options.NodeKpiWindows.Count; i++)
        {
            var w = options.NodeKpiWindows[i];
            if (w == NoWindows)
            {
                if (options.NodeKpiWindows.Count > 1)
                {
                    errors.Add($"Collector:NodeKpiWindows:{i}: '{NoWindows}' must stand alone");
                }
            }
            else if (!known.Contains(w))
            {
                errors.Add($"Collector:NodeKpiWindows:{i}: '{w}' is not one of Collector:Windows ({string.Join(", ", known)}), nor '{NoWindows}'");
            }
        }
    }

    /// <summary>The windows of node and server scopes: the configured ones, else the shortest window; none for <c>["none"]</c>.</summary>
    public static IReadOnlyList<WindowDuration> ResolveNodeKpiWindows(CollectorOptions options, IReadOnlyList<WindowDuration> windows)
    {
        if (options.NodeKpiWindows.Count == 0)
        {
            return [windows[0]];
        }

        return [.. windows.Where(w => options.NodeKpiWindows.Contains(w.Label))];
    }

    /// <summary>Shorter bearer tokens are guessable; 16 characters of a random token is ~80+ bits.</summary>
    public const int MinTokenLength = 16;

    /// <summary>The configured windows, or the defaults, parsed and in ascending order.</summary>
    public static IReadOnlyList<WindowDuration> ResolveWindows(CollectorOptions options)
    {
        var source = options.Windows.Count > 0 ? options.Windows : CollectorOptions.DefaultWindows;
        var result = new List<WindowDuration>(source.Count);
        foreach (var w in source)
        {
            result.Add(WindowDuration.TryParse(w, out _) ?? throw new InvalidOperationException($"invalid window '{w}' (validate first)"));
        }

        result.Sort((a, b) => a.Seconds.CompareTo(b.Seconds));
        return result;
    }
}
