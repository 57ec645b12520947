using System.Globalization;
using System.Text;
using System.Text.Json;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Kpi;
using Telemetry.Exposition;

namespace Telemetry.Fuzzing;

/// <summary>
/// Renders the collector's <c>/metrics</c> and <c>/api/v1/kpis</c> the way the endpoints do and lists
/// what is not sane: a NaN or infinite sample, a negative value outside the families that may be
/// negative, a KPI document that cannot be serialized. Empty list = sane.
/// </summary>
internal static class ExportSanity
{
    /// <summary>Families whose values may be negative: a margin (price below cost), a clock offset (agent behind), a temperature (above absolute zero).</summary>
    private static readonly string[] MayBeNegative = ["margin", "clock_offset", "temperature"];

    public static async Task<List<string>> CheckAsync(CollectorService service)
    {
        var problems = new List<string>();
        using (var scrape = await service.RenderMetricsAsync(ExpositionFormat.PrometheusText004, default).ConfigureAwait(false))
        {
            var text = Encoding.UTF8.GetString(scrape.Body);
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                if (SampleValue(line) is not { } value)
                {
                    problems.Add("unreadable sample line: " + line);
                }
                else if (!double.IsFinite(value))
                {
                    problems.Add("not finite: " + line);
                }
                else if (value < 0 && !MayBeNegative.Any(n => line.AsSpan(0, NameLength(line)).Contains(n, StringComparison.Ordinal)))
                {
                    problems.Add("negative: " + line);
                }
            }
        }

        try
        {
            JsonSerializer.Serialize(service.Kpis(null, null), KpiJsonContext.Default.KpiDocument);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            problems.Add("/api/v1/kpis cannot be serialized: " + ex.Message);
        }

        return problems;
    }

    private static int NameLength(string line)
    {
        var end = line.IndexOfAny(['{', ' ']);
        return end < 0 ? line.Length : end;
    }

    /// <summary>The value after the name and the label set (skipping quoted label values, which may hold spaces and braces).</summary>
    private static double? SampleValue(string line)
    {
        var i = NameLength(line);
        if (i < line.Length && line[i] == '{')
        {
            var quoted = false;
            for (i++; i < line.Length && (quoted || line[i] != '}'); i++)
            {
                if (line[i] == '\\')
                {
                    i++;
                }
                else if (line[i] == '"')
                {
                    quoted = !quoted;
                }
            }

            i++;
        }

        var rest = line.AsSpan(Math.Min(i, line.Length)).Trim();
        var space = rest.IndexOf(' ');
        var token = space < 0 ? rest : rest[..space];
        return token switch
        {
            "NaN" => double.NaN,
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null,
        };
    }
}
