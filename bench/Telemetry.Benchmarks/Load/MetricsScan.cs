using System.Text;

namespace Telemetry.Benchmarks.Load;

/// <summary>One /metrics scrape read as a stream: its size, and the lines that start with one of the wanted prefixes.</summary>
internal sealed record MetricsScan(long Bytes, TimeSpan Duration, List<string> Lines)
{
    /// <summary>
    /// Reads the whole body (hundreds of MB at fleet scale) through one buffer, keeping only the lines
    /// that start with a wanted prefix: a vectorized search per prefix instead of a string per line.
    /// </summary>
    public static async Task<MetricsScan> ReadAsync(HttpClient http, Uri metrics, IReadOnlyList<byte[]> prefixes, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(metrics, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var buffer = new byte[1 << 20];
            var lines = new List<string>();
            int filled = 0, read;
            long total = 0;
            while ((read = await body.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false)) > 0)
            {
                total += read;
                filled += read;
                var complete = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                Collect(buffer.AsSpan(0, complete), prefixes, lines);
                buffer.AsSpan(complete, filled - complete).CopyTo(buffer);
                filled -= complete;
                if (filled == buffer.Length)
                {
                    throw new InvalidDataException("a /metrics line longer than 1 MB");
                }
            }

            Collect(buffer.AsSpan(0, filled), prefixes, lines);
            return new MetricsScan(total, System.Diagnostics.Stopwatch.GetElapsedTime(started), lines);
        }
    }

    private static void Collect(ReadOnlySpan<byte> text, IReadOnlyList<byte[]> prefixes, List<string> lines)
    {
        foreach (var prefix in prefixes)
        {
            var rest = text;
            var offset = 0;
            while (rest.IndexOf(prefix) is var at and >= 0)
            {
                var lineStart = offset + at;
                var atLineStart = lineStart == 0 || text[lineStart - 1] == (byte)'\n';
                var end = text[lineStart..].IndexOf((byte)'\n');
                var lineEnd = end < 0 ? text.Length : lineStart + end;
                if (atLineStart)
                {
                    lines.Add(Encoding.UTF8.GetString(text[lineStart..lineEnd]));
                }

                offset = lineEnd;
                rest = text[offset..];
            }
        }
    }

    /// <summary>The sample value at the end of a text-format line (<c>name{labels} value</c>).</summary>
    public static double ValueOf(string line) =>
        double.Parse(line.AsSpan(line.LastIndexOf(' ') + 1), System.Globalization.CultureInfo.InvariantCulture);
}
