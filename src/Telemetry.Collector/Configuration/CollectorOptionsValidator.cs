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

        if (options.MaxReportBytes < 1024)
        {
            errors.Add("Collector:MaxReportBytes must be at least 1024");
        }

        if (!(options.StaleAfterIntervals >= 1))
        {
            errors.Add("Collector:StaleAfterIntervals must be at least 1");
        }

        return errors;
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
