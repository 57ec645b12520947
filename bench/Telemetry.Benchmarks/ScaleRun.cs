using System.Diagnostics;
using System.Runtime;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Exposition;

namespace Telemetry.Benchmarks;

/// <summary>
/// The fleet-scale measurement of issue 5: a collector holding N nodes × 8 GPUs × 2 servers (default
/// 12,500 nodes = 100,000 GPUs) with 65 s of history, then timed renders of /metrics, KPI snapshots
/// (recomputation of every scope and window), allocation per render and working set.
/// <c>dotnet run -c Release --project bench/Telemetry.Benchmarks -- scale [nodes [body-file|- [renders]]]</c>
/// (more renders than the default 3 make a profile of the render stand out from the ingest).
/// </summary>
internal static class ScaleRun
{
    public static void Run(int nodes, string? bodyPath = null, int renders = 3)
    {
        var options = new CollectorOptions
        {
            Cost = new CostOptions
            {
                Sites = [new SiteCostOptions { Name = "site-a", PricePerKwhUsd = 0.12, Pue = 1.3, NodeHourlyUsd = 2 }],
                Gpus = [new GpuCostOptions { Match = "H100", HourlyUsd = 2.5 }],
            },
            Tiers = [new TierOptions { Name = "premium", PricePerMillionTokensUsd = 20, TtftSloSeconds = 0.5 }],
        };
        // Collector time stands still at "now": every node is fresh, as in a live fleet reporting every second.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var service = new CollectorService(options, new FrozenTime(DateTimeOffset.FromUnixTimeMilliseconds(now)));
        var reports = Enumerable.Range(0, nodes).Select(i => SyntheticReports.Node($"node-{i:D5}")).ToArray();
        const int Seconds = 65;
        var allocatedBeforeIngest = GC.GetTotalAllocatedBytes(precise: true);
        var ingest = Stopwatch.StartNew();
        for (var s = 1; s <= Seconds; s++)
        {
            foreach (var r in reports)
            {
                SyntheticReports.Advance(r, (ulong)s, now - ((Seconds - s) * 1000L), sentMs: now); // history replayed: no clock offset
                service.Ingest(r);
            }
        }

        ingest.Stop();
        var ingestAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBeforeIngest;
        Console.WriteLine($"nodes {nodes}, GPUs {nodes * 8}, servers {nodes * 2}; ingested {nodes * Seconds:N0} reports in {ingest.Elapsed.TotalSeconds:0.0} s ({nodes * Seconds / ingest.Elapsed.TotalSeconds:N0} reports/s, one thread, no HTTP; {ingestAllocated / (nodes * (double)Seconds) / 1e3:N1} KB allocated per report)");

        GC.Collect();
        var reportsBytes = 0L;
        foreach (var r in reports)
        {
            reportsBytes += r.CalculateSize();
        }

        Console.WriteLine($"managed heap after ingest, before any render: {GC.GetTotalMemory(true) / 1e6:N0} MB (the benchmark's own {nodes:N0} template reports included: {reportsBytes / 1e6:N0} MB as protobuf)");

        // The templates are the load generator's, not the collector's: let them go before the renders, so the heap and
        // working set printed at the end are what a collector holding this fleet holds.
        Array.Clear(reports);
        Console.WriteLine($"managed heap without the templates: {GC.GetTotalMemory(true) / 1e6:N0} MB; {(GCSettings.IsServerGC ? "server" : "workstation")} GC (the collector host runs server GC: set DOTNET_gcServer=1 to match it)");
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < renders; i++)
        {
            GC.Collect();
            var allocatedBeforeSnapshot = GC.GetTotalAllocatedBytes(precise: true);
            var snapshotTimer = Stopwatch.StartNew();
            var snapshot = service.Snapshot();
            snapshotTimer.Stop();
            var snapshotAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBeforeSnapshot;

            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var render = Stopwatch.StartNew();
            using var scrape = service.RenderMetricsAsync(ExpositionFormat.PrometheusText004, default).GetAwaiter().GetResult();
            render.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            Console.WriteLine($"run {i + 1}: KPI snapshot (all scopes × windows, {snapshot.Kpis.Count:N0} rows) {snapshotTimer.Elapsed.TotalMilliseconds:N0} ms, {snapshotAllocated / 1e6:N1} MB allocated; " +
                $"/metrics render {render.Elapsed.TotalMilliseconds:N0} ms ({cpu.TotalMilliseconds:N0} ms CPU), {scrape.Body.Length / 1e6:N1} MB body, {allocated / 1e6:N1} MB allocated");
            if (i == 0 && bodyPath is not null)
            {
                File.WriteAllBytes(bodyPath, System.Buffers.BuffersExtensions.ToArray(scrape.Body)); // for a look at what the bytes are spent on
            }
        }

        GC.Collect();
        process.Refresh();
        var heap = GC.GetTotalMemory(true);
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        Console.WriteLine($"managed heap {heap / 1e6:N0} MB ({info.FragmentedBytes / 1e6:N0} MB of it free space between objects; {info.TotalCommittedBytes / 1e6:N0} MB committed by the GC), working set {process.WorkingSet64 / 1e6:N0} MB");
    }

    private sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
