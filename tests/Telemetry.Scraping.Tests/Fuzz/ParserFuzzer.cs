using System.Diagnostics;
using Telemetry.Scraping.Engines;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Fuzzing;

/// <summary>
/// Feeds mutated engine <c>/metrics</c> payloads through <see cref="PrometheusTextParser"/> and, when
/// one parses, through every engine profile that recognizes it — what the agent's scraper does with
/// a body. Checks that a rejection carries a line and a reason, that the parser's limits hold, and
/// that nothing throws, hangs or allocates without bound. Shared by the fuzz test and the bench.
/// </summary>
internal static class ParserFuzzer
{
    /// <summary>Per-input bounds: far above the ~0.1 ms a 30 KiB payload takes, far below a hang or a runaway allocation.</summary>
    public static readonly TimeSpan MaxInputTime = TimeSpan.FromSeconds(2);

    public const long MaxAllocatedBytesPerInput = 32L * 1024 * 1024;

    public static FuzzTally Run(IReadOnlyList<byte[]> seeds, long count, int seed)
    {
        var tally = new FuzzTally("prometheus-text", seed);
        var mutator = new InputMutator(seed, seeds, protobuf: false);
        for (long i = 0; i < count; i++)
        {
            var input = mutator.Next();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            try
            {
                tally.Count(One(input));
            }
            catch (Exception ex)
            {
                tally.Fail(i, input, "threw " + ex);
            }

            tally.Observe(i, input, Stopwatch.GetElapsedTime(started), GC.GetAllocatedBytesForCurrentThread() - allocated, MaxInputTime, MaxAllocatedBytesPerInput);
        }

        tally.SampleHeap();
        return tally;
    }

    private static string One(byte[] input)
    {
        if (!PrometheusTextParser.TryParse(input, out var payload, out var error))
        {
            var lines = input.AsSpan().Count((byte)'\n') + 1;
            if (error.Line < 0 || error.Line > lines || string.IsNullOrWhiteSpace(error.Reason))
            {
                throw new InvalidOperationException($"rejection without a usable position or reason: line {error.Line} of {lines}, '{error.Reason}'");
            }

            return "rejected";
        }

        if (payload.SampleCount > PrometheusTextParser.MaxSamples || payload.Families.Count > PrometheusTextParser.MaxFamilies)
        {
            throw new InvalidOperationException($"{payload.SampleCount} samples in {payload.Families.Count} families passed the parser's limits");
        }

        var outcome = "parsed_no_engine";
        foreach (var profile in EngineProfiles.All)
        {
            if (profile.Recognizes(payload))
            {
                var reading = profile.Read(payload, "http://127.0.0.1:8000/metrics", modelOverride: null);
                if (reading.Streams.Count > payload.SampleCount)
                {
                    throw new InvalidOperationException($"{profile.Engine} read {reading.Streams.Count} streams from {payload.SampleCount} samples");
                }

                outcome = "read";
            }
        }

        return outcome;
    }
}
