using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Otlp;

namespace Telemetry.Benchmarks;

/// <summary>
/// Cost of one OTLP push (docs/otlp.md) for a fleet of N nodes × 8 GPUs × 2 servers: time and
/// allocation of a flush (callbacks, SDK aggregation and protobuf serialization, HTTP to a sink on
/// 127.0.0.1), first with a snapshot built for the push, then reusing one a scrape just built.
/// <c>dotnet run -c Release --project bench/Telemetry.Benchmarks -- otlp [nodes]</c>
/// </summary>
internal static class OtlpPushRun
{
    public static void Run(int nodes)
    {
        long bodyBytes = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null); // measure the size, whatever it is
        using var sink = builder.Build();
        sink.MapPost("/v1/metrics", async ctx =>
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer);
            Interlocked.Exchange(ref bodyBytes, buffer.Length);
        });
        sink.StartAsync().GetAwaiter().GetResult();

        var options = new CollectorOptions
        {
            Cost = new CostOptions
            {
                Sites = [new SiteCostOptions { Name = "site-a", PricePerKwhUsd = 0.12, Pue = 1.3, NodeHourlyUsd = 2 }],
                Gpus = [new GpuCostOptions { Match = "H100", HourlyUsd = 2.5 }],
            },
            Tiers = [new TierOptions { Name = "premium", PricePerMillionTokensUsd = 20, TtftSloSeconds = 0.5 }],
            Otlp = new OtlpOptions { Endpoint = sink.Urls.First(), IntervalSeconds = 3600, Timeout = 120 },
        };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = new SteppingTime(now);
        using var service = new CollectorService(options, clock);
        var reports = Enumerable.Range(0, nodes).Select(i => SyntheticReports.Node($"node-{i:D5}")).ToArray();
        const int Seconds = 65;
        for (var s = 1; s <= Seconds; s++)
        {
            foreach (var r in reports)
            {
                SyntheticReports.Advance(r, (ulong)s, now - ((Seconds - s) * 1000L), sentMs: now);
                service.Ingest(r);
            }
        }

        using var push = OtlpPush.Start(service, NullLogger.Instance)!;
        for (var i = 0; i < 3; i++)
        {
            clock.Toggle(); // the previous snapshot is now over a second away: this push builds its own
            Measure(push, $"push {i + 1}, snapshot built for it", ref bodyBytes);
            service.Snapshot(); // as a /metrics scrape would
            Measure(push, $"push {i + 1}b, reusing a scrape's snapshot", ref bodyBytes);
        }

        sink.StopAsync().GetAwaiter().GetResult();
    }

    private static void Measure(OtlpPush push, string label, ref long bodyBytes)
    {
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var timer = Stopwatch.StartNew();
        var ok = push.Flush(TimeSpan.FromMinutes(2));
        timer.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Console.WriteLine($"{label}: {(ok ? "ok" : "FAILED")} {timer.Elapsed.TotalMilliseconds:N0} ms, request {Interlocked.Read(ref bodyBytes) / 1e6:N1} MB, {allocated / 1e6:N1} MB allocated");
    }

    /// <summary>
    /// Stands still (every node fresh), except that each toggle moves it 1.001 s forward or back: the
    /// last snapshot is then too far away to reuse, and no node gets near stale.
    /// </summary>
    private sealed class SteppingTime(long startMs) : TimeProvider
    {
        private long _ms = startMs;
        private bool _ahead;

        public void Toggle()
        {
            _ahead = !_ahead;
            Interlocked.Add(ref _ms, _ahead ? 1001 : -1001);
        }

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _ms));
    }
}
