using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Telemetry.Scraping.Prometheus;

/// <summary>
/// Parses Prometheus text exposition format 0.0.4 from UTF-8 bytes, line by line, and tolerates
/// OpenMetrics 1.0 input (<c># EOF</c>, <c># UNIT</c>, exemplars, <c>_created</c> samples).
/// Bad or oversized input gives a <see cref="PrometheusParseError"/>, never an exception.
/// Non-goals: protobuf exposition, Prometheus 3 quoted UTF-8 metric names, native histograms.
/// </summary>
public static class PrometheusTextParser
{
    /// <summary>16 MiB: the largest real engine payloads are well under 2 MiB; bounds what one scrape may hold in memory.</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    /// <summary>200,000 samples: ~10× a vLLM server with every histogram and 8 data-parallel engines; bounds allocation per scrape.</summary>
    public const int MaxSamples = 200_000;

    /// <summary>20,000 families: HELP/TYPE lines alone create families, so they need their own bound.</summary>
    public const int MaxFamilies = 20_000;

    /// <summary>128 labels: <c>vllm:cache_config_info</c> carries ~25 config labels; bounds a per-sample array.</summary>
    public const int MaxLabelsPerSample = 128;

    /// <summary>64 KiB per line: room for long HELP texts and info-style labels, bounds the scratch buffer.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>16 KiB per label value: LoRA adapter lists in <c>vllm:lora_requests_info</c> are the longest seen.</summary>
    public const int MaxLabelValueBytes = 16 * 1024;

    /// <summary>
    /// Parses <paramref name="utf8"/>. On success <paramref name="payload"/> is set and
    /// <paramref name="error"/> is null; on failure the reverse, with the first offending line.
    /// </summary>
    public static bool TryParse(
        ReadOnlySpan<byte> utf8,
        [NotNullWhen(true)] out ParsedPayload? payload,
        [NotNullWhen(false)] out PrometheusParseError? error)
    {
        payload = null;
        if (utf8.Length > MaxPayloadBytes)
        {
            error = new PrometheusParseError(0, string.Create(
                CultureInfo.InvariantCulture,
                $"payload is {utf8.Length} bytes, over the {MaxPayloadBytes}-byte limit"));
            return false;
        }

        using var builder = new PayloadBuilder();
        var lineNumber = 0;
        var rest = utf8;
        while (!rest.IsEmpty)
        {
            lineNumber++;
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? [] : rest[(newline + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.Length > MaxLineBytes)
            {
                error = new PrometheusParseError(lineNumber, string.Create(
                    CultureInfo.InvariantCulture,
                    $"line is {line.Length} bytes, over the {MaxLineBytes}-byte limit"));
                return false;
            }

            var reason = LineParser.Parse(line, builder, out var endOfFile);
            if (reason is not null)
            {
                error = new PrometheusParseError(lineNumber, reason);
                return false;
            }

            if (endOfFile)
            {
                break;
            }
        }

        payload = builder.Build();
        error = null;
        return true;
    }
}
