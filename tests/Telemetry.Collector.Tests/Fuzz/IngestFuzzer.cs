using System.Diagnostics;
using System.IO.Compression;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.Ingest;

namespace Telemetry.Fuzzing;

/// <summary>
/// Feeds mutated NodeReports through the collector's ingest path as the endpoint does —
/// <see cref="ReportDecoder"/>, then <see cref="CollectorService.Ingest"/> (validation and applying
/// to the fleet state) — and checks that every input ends in a documented outcome, within a time
/// and allocation bound, and that the exported state stays sane. Shared by the fuzz test and the bench.
/// </summary>
internal static class IngestFuzzer
{
    /// <summary>The body limit for the run: above every seed (~5 KiB), below many grown mutants, so the too-large path is reached.</summary>
    public const int MaxReportBytes = 8 * 1024;

    /// <summary>Inputs per collector instance: state (nodes, streams) grows with mutated names, so it is checked and then started afresh.</summary>
    public const int InputsPerCollector = 25_000;

    /// <summary>Per-input bounds: far above the ~0.1 ms an input takes, far below a hang or a runaway allocation.</summary>
    public static readonly TimeSpan MaxInputTime = TimeSpan.FromSeconds(2);

    public const long MaxAllocatedBytesPerInput = 16L * 1024 * 1024;

    public static async Task<FuzzTally> RunAsync(long count, int seed)
    {
        var tally = new FuzzTally("ingest", seed);
        var mutator = new InputMutator(seed, ReportSeeds.Encoded(), protobuf: true);
        var clock = new FixedTime(ReportSeeds.ReceivedMs);
        var service = NewCollector(clock);
        ulong sequence = ReportSeeds.ReportsPerNode;
        try
        {
            for (long i = 0; i < count; i++)
            {
                if (i > 0 && i % InputsPerCollector == 0)
                {
                    await CheckExportAsync(service, tally, i).ConfigureAwait(false);
                    service.Dispose();
                    service = NewCollector(clock);
                }

                var input = mutator.Next();
                // A mutant's sequence is usually its seed's, so it would be dropped as a duplicate before
                // reaching the state; most get a fresh one so the mutated values are applied.
                var freshSequence = mutator.Random.Next(4) != 0 ? ++sequence : 0;
                var gzip = mutator.Random.Next(16) == 0;
                var body = gzip && mutator.Random.Next(2) == 0 ? Gzip(input) : input;
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var started = Stopwatch.GetTimestamp();
                try
                {
                    tally.Count(await OneAsync(service, body, gzip, freshSequence).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    tally.Fail(i, input, "threw " + ex);
                }

                tally.Observe(i, input, Stopwatch.GetElapsedTime(started), GC.GetAllocatedBytesForCurrentThread() - allocated, MaxInputTime, MaxAllocatedBytesPerInput);
            }

            await CheckExportAsync(service, tally, count).ConfigureAwait(false);
        }
        finally
        {
            service.Dispose();
        }

        return tally;
    }

    /// <summary>One input through decode and ingest; the outcome's name, or an exception for an undocumented one.</summary>
    private static async Task<string> OneAsync(CollectorService service, byte[] body, bool gzip, ulong freshSequence)
    {
        using var stream = new MemoryStream(body, writable: false);
        var (report, reason, error) = await ReportDecoder.DecodeAsync(stream, gzip ? null : body.Length, gzip, MaxReportBytes, default).ConfigureAwait(false);
        if (report is null)
        {
            if (reason is not (RejectReason.Malformed or RejectReason.TooLarge) || string.IsNullOrWhiteSpace(error))
            {
                throw new InvalidOperationException($"decoder answered {reason} with reason '{error}': only malformed or too_large with a reason are documented");
            }

            return "decode_" + RejectReasonNames.LabelOf(reason);
        }

        if (freshSequence != 0)
        {
            report.Sequence = freshSequence;
        }

        var (outcome, invalid) = service.Ingest(report);
        if (invalid is not null)
        {
            return invalid.Length > 0 ? "invalid" : throw new InvalidOperationException("validator rejected with an empty reason");
        }

        return "applied_" + outcome.ToString().ToLowerInvariant();
    }

    private static async Task CheckExportAsync(CollectorService service, FuzzTally tally, long index)
    {
        foreach (var problem in (await ExportSanity.CheckAsync(service).ConfigureAwait(false)).Take(5))
        {
            tally.Fail(index, null, "exported state after the inputs before this one: " + problem);
        }

        tally.SampleHeap();
    }

    private static CollectorService NewCollector(TimeProvider clock) => new(
        new CollectorOptions
        {
            Windows = ["1m", "5m"],
            MaxReportBytes = MaxReportBytes,
            Cost = new CostOptions
            {
                Sites = [new SiteCostOptions { Name = "s1", PricePerKwhUsd = 0.12, Pue = 1.3, NodeHourlyUsd = 1 }],
                Gpus = [new GpuCostOptions { Match = "H100", HourlyUsd = 2.5 }],
            },
            Tiers = [new TierOptions { Name = "gold", PricePerMillionTokensUsd = 20, TtftSloSeconds = 0.5 }],
        },
        clock);

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest))
        {
            gz.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>The collector's clock, stopped a few seconds after the seeds' last sample so every window holds them.</summary>
    private sealed class FixedTime(long unixMs) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
    }
}
