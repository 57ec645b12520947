using System.Diagnostics;
using System.Runtime;
using Google.Protobuf;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Wire;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// CPU and allocation of the collector's ingest path without HTTP: decode a protobuf body (as the
/// ingest endpoint does) and apply it, one thread, N nodes for R rounds. Figures that hold on a busy
/// machine — allocation per report and GC counts are not inflated by other processes — so they judge
/// optimizations of the decode/apply code. Encoding the bodies is outside the measurement.
/// <c>dotnet run -c Release --project bench/Telemetry.Benchmarks -- ingest-cost [nodes] [rounds]</c>
/// </summary>
internal static class IngestCost
{
    public static int Run(string[] args)
    {
        var nodes = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
        var fleet = new SimulatedFleet(nodes, "cost");
        using var service = new CollectorService(new CollectorOptions());
        var bodies = new byte[nodes][];
        var lengths = new int[nodes];
        var elapsed = TimeSpan.Zero;
        long allocated = 0, decodeAllocated = 0, measured = 0;
        var gen0 = 0;
        var gen1 = 0;
        var gen2 = 0;
        var pause = TimeSpan.Zero;
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < nodes; i++)
            {
                bodies[i] = fleet.Next(i, out lengths[i]);
            }

            var warm = round < 3; // JIT, first-report state creation
            var g0 = GC.CollectionCount(0);
            var g1 = GC.CollectionCount(1);
            var g2 = GC.CollectionCount(2);
            var p = GC.GetTotalPauseDuration();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < nodes; i++)
            {
                var beforeDecode = GC.GetAllocatedBytesForCurrentThread();
                var report = NodeReport.Parser.ParseFrom(bodies[i].AsSpan(0, lengths[i]));
                decodeAllocated += warm ? 0 : GC.GetAllocatedBytesForCurrentThread() - beforeDecode;
                if (service.Ingest(report).Error is { } error)
                {
                    throw new InvalidOperationException(error);
                }
            }

            if (!warm)
            {
                elapsed += Stopwatch.GetElapsedTime(started);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                measured += nodes;
                gen0 += GC.CollectionCount(0) - g0;
                gen1 += GC.CollectionCount(1) - g1;
                gen2 += GC.CollectionCount(2) - g2;
                pause += GC.GetTotalPauseDuration() - p;
            }

            for (var i = 0; i < nodes; i++)
            {
                SimulatedFleet.Return(bodies[i]);
            }
        }

        Console.WriteLine($"ingest-cost: {nodes:N0} nodes × {rounds - 3} measured rounds, {fleet.ReportBytes:N0} B per report, decode + apply on one thread ({(GCSettings.IsServerGC ? "server" : "workstation")} GC):");
        Console.WriteLine($"  {elapsed.TotalMicroseconds / measured:N1} µs per report ({measured / elapsed.TotalSeconds:N0} reports/s), {allocated / (double)measured / 1e3:N1} KB allocated per report ({decodeAllocated / (double)measured / 1e3:N1} KB of it decoding); " +
            $"GCs gen0 {gen0}, gen1 {gen1}, gen2 {gen2}, pause {pause.TotalMilliseconds:N0} ms ({pause / elapsed:P1} of the time)");
        return 0;
    }
}
