using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Telemetry.Wire;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// A Prometheus-like scraper of the collector's /metrics every 15 s that also measures freshness:
/// before each scrape of the marker node's series a marker node posts a report whose GPU 0 energy counter
/// has a value no earlier report had; freshness is the time from that POST to the end of the first scrape
/// showing the value (what Prometheus would have stored). The scrape's own wait for its next turn is not
/// counted. With <c>parts</c> &gt; 1 it scrapes <c>/metrics?part=k&amp;parts=n</c> as n targets would be, part k
/// at k/n of each interval (Prometheus gives every target its own offset in the interval).
/// </summary>
internal sealed class FreshnessScraper(HttpClient http, IngestClient ingest, string baseUrl, int parts = 1)
{
    public const string MarkerNode = "load-marker";

    /// <summary>Prometheus's default scrape_interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private static readonly byte[] MarkerPrefix = Encoding.UTF8.GetBytes("inference_gpu_energy_joules_total{");
    private static readonly byte[] CollectorPrefix = Encoding.UTF8.GetBytes("inference_collector_");
    private readonly NodeReport _marker = SyntheticReports.Node(MarkerNode);
    private readonly int _markerPart = Telemetry.Collector.Metrics.MetricsPart.Of(MarkerNode, parts);
    private readonly long[] _partBytes = new long[parts];
    private ulong _sequence;

    public LatencyRecorder Freshness { get; } = new();

    public LatencyRecorder ScrapeDuration { get; } = new();

    /// <summary>The whole exposition's size: the last scrape of each part, summed.</summary>
    public long LastScrapeBytes => _partBytes.Sum();

    public int Parts => parts;

    /// <summary>The <c>inference_collector_*</c> lines of the most recent scrape (of part 0, where they are).</summary>
    public IReadOnlyList<string> LastCollectorLines { get; private set; } = [];

    public int Misses { get; private set; }

    public async Task RunAsync(TimeSpan firstAfter, CancellationToken ct)
    {
        try
        {
            await Task.Delay(firstAfter, ct).ConfigureAwait(false);
            var start = Stopwatch.GetTimestamp();
            for (var turn = 0L; !ct.IsCancellationRequested; turn++)
            {
                var part = (int)(turn % parts);
                var left = (Interval * turn / parts) - Stopwatch.GetElapsedTime(start);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, ct).ConfigureAwait(false);
                }

                if (part == _markerPart)
                {
                    await SampleAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    await ScrapeAsync(part, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the run is over
        }
    }

    /// <summary>The last marker sample, and the collector's counters (part 0) as they are now.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        await SampleAsync(ct).ConfigureAwait(false);
        if (_markerPart != 0)
        {
            await ScrapeAsync(0, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One marker POST and up to three scrapes of its part until its value shows; false when it never did.</summary>
    public async Task<bool> SampleAsync(CancellationToken ct)
    {
        SyntheticReports.Advance(_marker, ++_sequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var value = _marker.Gpus[0].EnergyJoules.Total; // grows every report: no earlier report had it
        var body = new byte[_marker.CalculateSize()];
        _marker.WriteTo(body.AsSpan());
        var posted = Stopwatch.GetTimestamp();
        var status = await ingest.PostAsync(body, body.Length, ct).ConfigureAwait(false);
        if (status != 202)
        {
            Misses++;
            return false;
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var scan = await ScrapeAsync(_markerPart, ct).ConfigureAwait(false);
            var seen = scan.Lines.Any(l => l.Contains("node=\"" + MarkerNode + "\"", StringComparison.Ordinal) && l.Contains("gpu=\"0\"", StringComparison.Ordinal)
                && MetricsScan.ValueOf(l) >= value);
            if (seen)
            {
                Freshness.Record(Stopwatch.GetElapsedTime(posted));
                return true;
            }
        }

        Misses++;
        return false;
    }

    private async Task<MetricsScan> ScrapeAsync(int part, CancellationToken ct)
    {
        var url = new Uri(baseUrl.TrimEnd('/') + (parts == 1 ? "/metrics" : $"/metrics?part={part}&parts={parts}"));
        var scan = await MetricsScan.ReadAsync(http, url, [MarkerPrefix, CollectorPrefix], ct).ConfigureAwait(false);
        ScrapeDuration.Record(scan.Duration);
        _partBytes[part] = scan.Bytes;
        if (part == 0)
        {
            LastCollectorLines = [.. scan.Lines.Where(l => l.StartsWith("inference_collector_", StringComparison.Ordinal))];
        }

        return scan;
    }

    /// <summary>The collector's own counter or gauge value (first line with this name and no labels beyond those given), NaN if absent.</summary>
    public double CollectorValue(string nameWithLabels)
    {
        foreach (var line in LastCollectorLines)
        {
            if (line.StartsWith(nameWithLabels + " ", StringComparison.Ordinal))
            {
                return MetricsScan.ValueOf(line);
            }
        }

        return double.NaN;
    }

    /// <summary>The collector's ingest-duration histogram from the last scrape: (le, cumulative count) pairs.</summary>
    public List<(double Le, double Count)> IngestHistogram()
    {
        var result = new List<(double, double)>();
        const string Bucket = "inference_collector_ingest_duration_seconds_bucket{le=\"";
        foreach (var line in LastCollectorLines)
        {
            if (line.StartsWith(Bucket, StringComparison.Ordinal))
            {
                var le = line[Bucket.Length..line.IndexOf('"', Bucket.Length)];
                result.Add((le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture), MetricsScan.ValueOf(line)));
            }
        }

        return result;
    }
}
