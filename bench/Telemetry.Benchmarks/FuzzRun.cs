using System.Diagnostics;
using System.Globalization;
using Telemetry.Fuzzing;

namespace Telemetry.Benchmarks;

/// <summary>
/// <c>fuzz [count] [seed]</c>: the fuzz tests' harness at bench scale — <c>count</c> mutated NodeReports
/// through decode/validate/apply and <c>count</c> mutated engine payloads through the parser and
/// profiles. Prints inputs/s, the slowest input, peak memory and every failure (with seed and index,
/// so the same command reproduces it). Exit code 1 when anything failed.
/// </summary>
internal static class FuzzRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var textSeeds = Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "fuzz-seeds"), "*.prom")
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Console.WriteLine($"fuzz: {count} inputs per target, seed {seed}, {Environment.ProcessorCount} cores, {textSeeds.Length} text seeds");
        var ingest = await IngestFuzzer.RunAsync(count, seed);
        Console.WriteLine(ingest.Summary());
        var parser = ParserFuzzer.Run(textSeeds, count, seed);
        Console.WriteLine(parser.Summary());
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"process peak working set {self.PeakWorkingSet64 / 1048576.0:0} MiB");
        return ingest.FailureCount + parser.FailureCount == 0 ? 0 : 1;
    }
}
