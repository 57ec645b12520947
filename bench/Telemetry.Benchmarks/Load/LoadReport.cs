using System.Globalization;

namespace Telemetry.Benchmarks.Load;

/// <summary>The load run's figures, each beside its issue 8 target.</summary>
internal static class LoadReport
{
    public static void Print(LoadOptions o, OpenLoopResult open, FreshnessScraper scraper, MemoryTrend memory, TimeSpan collectorCpu, TimeSpan generatorCpu, ClosedLoopResult max, ClosedLoopResult? ceiling)
    {
        var sustained = open.Accepted / open.Seconds;
        var steady = SteadyMinimum(open.AcceptedPerSecond, o.Seconds);
        var warmUp = Math.Min(30, o.Seconds / 5.0);
        var samples = memory.Samples;
        var after = samples.Where(s => s.Seconds >= warmUp).ToList();
        var histogram = scraper.IngestHistogram();
        var accepted = scraper.CollectorValue("inference_collector_reports_accepted_total");
        var duplicates = scraper.CollectorValue("inference_collector_reports_duplicate_total");

        Console.WriteLine();
        Console.WriteLine($"open loop, {o.Nodes:N0} nodes at 1 Hz for {open.Seconds:0.0} s: offered {open.Offered:N0}, 202 {open.Accepted:N0}, other status {open.Refused:N0}, failed {open.Failed:N0}, " +
            $"late (> {OpenLoopDriver.LateAfter.TotalMilliseconds:0} ms behind schedule) {open.Late:N0}, unsent by the end + {OpenLoopDriver.Grace.TotalSeconds:0} s {open.Unsent:N0}; schedule lag {open.ScheduleLag.Summary()}");
        Console.WriteLine("late sends by 30-s block of the schedule: " + string.Join(' ', open.LatePerSecond.Chunk(30).Select(c => c.Sum().ToString("N0", CultureInfo.InvariantCulture))));
        Console.WriteLine($"collector's own counters after the phase: accepted {accepted:N0}, duplicate {duplicates:N0} (the marker node's reports included)");
        Console.WriteLine($"CPU per accepted report: collector {collectorCpu.TotalMicroseconds / Math.Max(1, open.Accepted):N0} µs, generator {generatorCpu.TotalMicroseconds / Math.Max(1, open.Accepted):N0} µs " +
            $"(collector {collectorCpu.TotalSeconds / open.Seconds:0.00} cores, generator {generatorCpu.TotalSeconds / open.Seconds:0.00} cores of {Environment.ProcessorCount})");
        Console.WriteLine(scraper.Parts == 1
            ? $"scrapes: {scraper.ScrapeDuration.Count} of {scraper.LastScrapeBytes / 1e6:N0} MB, duration {scraper.ScrapeDuration.Summary()}; marker misses {scraper.Misses}"
            : $"scrapes: {scraper.ScrapeDuration.Count} of one part in {scraper.Parts} (the whole exposition {scraper.LastScrapeBytes / 1e6:N0} MB, a part ~{scraper.LastScrapeBytes / 1e6 / scraper.Parts:N0} MB), duration {scraper.ScrapeDuration.Summary()}; marker misses {scraper.Misses}");
        Console.WriteLine("RSS MB: " + string.Join(' ', samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seconds:0}s={s.RssMb:0}"))));
        Console.WriteLine();
        Console.WriteLine("| target | measured | met |");
        Console.WriteLine("| --- | --- | --- |");
        Row($"sustained ≥ 10,000 accepted reports/s for 5 min (offered {o.Nodes:N0}/s for {o.Seconds} s)",
            $"{sustained:N0}/s mean; lowest 10-s block after warm-up {(double.IsNaN(steady) ? "n/a" : steady.ToString("N0", CultureInfo.InvariantCulture))}/s; {open.Late:N0} late sends, {open.Unsent:N0} unsent",
            sustained >= 10_000 && o.Seconds >= 300 && open.Late == 0 && open.Unsent == 0, o.Nodes >= 10_000 && o.Seconds >= 300);
        Row("client ingest latency p99 < 50 ms", open.Latency.Summary(), open.Latency.QuantileMs(0.99) < 50, true);
        Row("collector's ingest histogram (decode + apply)", CollectorQuantiles(histogram), null, true);
        Row("report → /metrics freshness < 2 s", scraper.Freshness.Summary() + $" ({scraper.Freshness.Count} samples)", scraper.Freshness.Count > 0 && scraper.Freshness.MaxMs < 2000, true);
        Row("no memory growth (collector RSS)",
            after.Count < 2 ? "too short to tell" : $"{after[0].RssMb:N0} MB at {after[0].Seconds:0} s → {after[^1].RssMb:N0} MB at {after[^1].Seconds:0} s, max {samples.Max(s => s.RssMb):N0} MB, slope {memory.SlopeMbPerMinute(warmUp):+0.0;-0.0} MB/min after {warmUp:0} s",
            after.Count >= 2 ? memory.SlopeMbPerMinute(warmUp) < 5 : null, o.Seconds >= 120); // shorter runs end while buffers still grow to the body size
        Row("collector max, closed loop", $"{max.PerSecond:N0} reports/s ({max.Latency.Summary()}; {max.Other} not 202)", null, true);
        if (ceiling is not null)
        {
            Row("ingest ≥ 50% of an empty Kestrel endpoint (closed loop, same generator)", $"{max.PerSecond:N0} / {ceiling.PerSecond:N0} = {max.PerSecond / ceiling.PerSecond:P0}", max.PerSecond >= 0.5 * ceiling.PerSecond, true);
        }
    }

    private static void Row(string target, string measured, bool? met, bool meaningful) =>
        Console.WriteLine($"| {target} | {measured} | {(!meaningful ? "n/a (shorter run)" : met switch { true => "yes", false => "**no**", null => "—" })} |");

    /// <summary>The lowest accepted rate over 10-s blocks, skipping the first block (JIT, connections) and the partial last.</summary>
    private static double SteadyMinimum(long[] perSecond, int seconds)
    {
        var min = double.NaN;
        for (var from = 10; from + 10 <= seconds; from += 10)
        {
            var sum = 0L;
            for (var s = from; s < from + 10; s++)
            {
                sum += perSecond[s];
            }

            min = double.IsNaN(min) ? sum / 10.0 : Math.Min(min, sum / 10.0);
        }

        return min;
    }

    /// <summary>p50/p99 upper bounds from the collector's cumulative buckets (no interpolation: the bucket an observation fell in).</summary>
    private static string CollectorQuantiles(List<(double Le, double Count)> buckets)
    {
        if (buckets.Count == 0 || buckets[^1].Count == 0)
        {
            return "not scraped";
        }

        var total = buckets[^1].Count;
        string Upper(double q) => buckets.First(b => b.Count >= q * total).Le is var le && double.IsPositiveInfinity(le) ? "> 1 s" : $"≤ {le * 1000:0.#} ms";
        var within = buckets.LastOrDefault(b => b.Le <= 0.05).Count / total;
        return $"p50 {Upper(0.5)}, p99 {Upper(0.99)}; {within:P1} within 50 ms ({total:N0} reports)";
    }
}
