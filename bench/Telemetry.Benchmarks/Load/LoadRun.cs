using System.Diagnostics;
using System.Globalization;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// One collector's measured capacity over HTTP (issue 8, item 4), all in one run on one machine,
/// generator included: (1) the ceiling — the same generator closed-loop against an empty Kestrel
/// endpoint; (2) the fleet — N nodes × 8 GPUs × 2 servers at 1 Hz, open loop, against a real
/// collector host process, with a Prometheus-like scraper measuring freshness and RSS sampled from
/// /proc; (3) the collector's own closed-loop maximum. Every phase is bounded in time.
/// <c>dotnet run -c Release --project bench/Telemetry.Benchmarks -- load 10000 300</c>
/// </summary>
internal static class LoadRun
{
    private static readonly TimeSpan ClosedWarmUp = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args)
    {
        LoadOptions o;
        try
        {
            o = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        var fleet = new SimulatedFleet(o.Nodes, "load");
        Console.WriteLine($"load: {o.Nodes:N0} nodes × 8 GPUs × 2 servers ({o.Nodes * 8:N0} GPUs), {fleet.ReportBytes:N0} B per report, " +
            $"{o.Seconds} s open loop at {o.Nodes:N0} reports/s; closed loop {o.Workers} workers × {o.ClosedSeconds} s; pool {o.Connections} connections; " +
            $"collector GC {o.Gc ?? "default (server)"}; {o.WarmUpSeconds} s warm-up first; /metrics scraped {(o.Parts == 1 ? "whole" : $"in {o.Parts} parts")} every {FreshnessScraper.Interval.TotalSeconds:0} s; {Environment.ProcessorCount} cores");

        ClosedLoopResult? ceiling = null;
        if (!o.SkipCeiling)
        {
            ceiling = await CeilingAsync(o, fleet).ConfigureAwait(false);
        }

        var environment = new Dictionary<string, string>();
        if (o.Gc is not null)
        {
            environment["DOTNET_gcServer"] = o.Gc == "server" ? "1" : "0";
        }

        var port = ChildHost.FreePort();
        environment["Collector__Listen"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var collectorDll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Telemetry.Collector.Host", new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Name, "telemetry-collector.dll"));
        using var collector = await ChildHost.StartAsync(collectorDll, [], environment, port).ConfigureAwait(false);
        using var client = new IngestClient(collector.BaseUrl, o.Connections);
        using var scrapeHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        var scraper = new FreshnessScraper(scrapeHttp, client, collector.BaseUrl, o.Parts);

        // (2) The fleet at 1 Hz.
        var memory = new MemoryTrend();
        using var stop = new CancellationTokenSource();
        var scraping = scraper.RunAsync(TimeSpan.FromSeconds(Math.Min(5, o.Seconds / 2.0)), stop.Token);
        var sampling = SampleAsync(collector, memory, stop.Token);
        if (o.WarmUpSeconds > 0)
        {
            // The same load first, not counted: the collector builds the state of every node, stream and window ring
            // (most of its heap) and the JIT settles; a benchmark's figures are the steady state after it.
            using var warmUp = new OpenLoopDriver(client, fleet, maxInFlight: o.Connections * 4);
            var first = await warmUp.RunAsync(o.WarmUpSeconds, CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine($"warm-up, not counted below: {o.WarmUpSeconds} s of the same schedule, offered {first.Offered:N0}, 202 {first.Accepted:N0}, " +
                $"late {first.Late:N0}, unsent {first.Unsent:N0}; latency {first.Latency.Summary()}; schedule lag {first.ScheduleLag.Summary()}");
        }

        var collectorCpu0 = collector.CpuTime();
        var ownCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        using var driver = new OpenLoopDriver(client, fleet, maxInFlight: o.Connections * 4);
        var open = await driver.RunAsync(o.Seconds, CancellationToken.None).ConfigureAwait(false);
        var collectorCpu = collector.CpuTime() - collectorCpu0;
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownCpu0;
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(scraping, sampling).ConfigureAwait(false);
        await scraper.FinishAsync(CancellationToken.None).ConfigureAwait(false); // one more sample, and the collector's counters at the end of the phase

        // (3) The collector's maximum.
        var maxCpu0 = collector.CpuTime();
        var max = await ClosedLoopDriver.RunAsync(client, fleet, o.Workers, ClosedWarmUp, TimeSpan.FromSeconds(o.ClosedSeconds), CancellationToken.None).ConfigureAwait(false);
        var maxCpu = collector.CpuTime() - maxCpu0;
        // No scrapes run here: the collector's CPU is ingest alone (HTTP included), warm-up reports included on both sides.
        Console.WriteLine($"collector closed loop: {max.PerSecond:N0} reports/s; collector CPU {maxCpu.TotalMicroseconds / Math.Max(1, max.AcceptedWithWarmUp):N0} µs per report (ingest only, no scrapes)");

        LoadReport.Print(o, open, scraper, memory, collectorCpu, ownCpu, max, ceiling);
        return 0;
    }

    private static async Task<ClosedLoopResult> CeilingAsync(LoadOptions o, SimulatedFleet fleet)
    {
        var port = ChildHost.FreePort();
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var self = Path.Combine(AppContext.BaseDirectory, "Telemetry.Benchmarks.dll");
        var environment = new Dictionary<string, string>();
        if (o.Gc is not null)
        {
            environment["DOTNET_gcServer"] = o.Gc == "server" ? "1" : "0";
        }

        using var empty = await ChildHost.StartAsync(self, ["empty-endpoint", url], environment, port).ConfigureAwait(false);
        using var client = new IngestClient(url, o.Connections);
        var result = await ClosedLoopDriver.RunAsync(client, fleet, o.Workers, ClosedWarmUp, TimeSpan.FromSeconds(o.ClosedSeconds), CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine($"ceiling: empty Kestrel endpoint, closed loop: {result.PerSecond:N0} reports/s ({result.Latency.Summary()}; {result.Other} not 202)");
        return result;
    }

    /// <summary>Collector RSS every 5 s, with a progress line every 30 s.</summary>
    private static async Task SampleAsync(ChildHost collector, MemoryTrend memory, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                var t = Stopwatch.GetElapsedTime(start).TotalSeconds;
                var rss = collector.RssMb();
                memory.Add(t, rss);
                if (i % 6 == 0)
                {
                    Console.WriteLine($"  t={t,4:0} s  collector RSS {rss,6:N0} MB");
                }

                await Task.Delay(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // phase over
        }
    }
}
