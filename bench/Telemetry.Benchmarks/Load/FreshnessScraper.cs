using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Telemetry.Wire;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// A Prometheus-like scraper of the collector's /metrics every 15 s that also measures freshness:
/// before each scrape a marker node posts a report whose GPU 0 energy counter has a value no earlier
/// report had; freshness is the time from that POST to the end of the first scrape showing the value
/// (what Prometheus would have stored). The scrape's own wait for its next turn is not counted.
/// </summary>
internal sealed class FreshnessScraper(HttpClient http, IngestClient ingest, string baseUrl)
{
    public const string MarkerNode = "load-marker";

    /// <summary>Prometheus's default scrape_interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private static readonly byte[] MarkerPrefix = Encoding.UTF8.GetBytes("inference_gpu_energy_joules_total{");
    private static readonly byte[] CollectorPrefix = Encoding.UTF8.GetBytes("inference_collector_");
    private readonly NodeReport _marker = SyntheticReports.Node(MarkerNode);
    private readonly Uri _metrics = new(baseUrl.TrimEnd('/') + "/metrics");
    private ulong _sequence;

    public LatencyRecorder Freshness { get; } = new();

    public LatencyRecorder ScrapeDuration { get; } = new();

    public long LastScrapeBytes { get; private set; }

    /// <summary>The <c>inference_collector_*</c> lines of the most recent scrape.</summary>
    public IReadOnlyList<string> LastCollectorLines { get; private set; } = [];

    public int Misses { get; private set; }

    public async Task RunAsync(TimeSpan firstAfter, CancellationToken ct)
    {
        try
        {
            await Task.Delay(firstAfter, ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                var cycle = Stopwatch.GetTimestamp();
                await SampleAsync(ct).ConfigureAwait(false);
                var left = Interval - Stopwatch.GetElapsedTime(cycle);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the run is over
        }
    }

    /// <summary>One marker POST and up to three scrapes until its value shows; false when it never did.</summary>
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
            var scan = await MetricsScan.ReadAsync(http, _metrics, [MarkerPrefix, CollectorPrefix], ct).ConfigureAwait(false);
            ScrapeDuration.Record(scan.Duration);
            LastScrapeBytes = scan.Bytes;
            LastCollectorLines = [.. scan.Lines.Where(l => l.StartsWith("inference_collector_", StringComparison.Ordinal))];
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
