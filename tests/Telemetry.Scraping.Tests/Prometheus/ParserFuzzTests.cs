using Telemetry.Fuzzing;

namespace Telemetry.Scraping.Tests.Prometheus;

/// <summary>
/// Mutates the real fixtures and the engine payloads (fixed seed: a failure prints the seed and
/// input index, and <c>bench fuzz</c> reproduces it) and checks the parser and the engine profiles
/// on top always return — a reading, or an error with a line and a reason — within a time and
/// allocation bound per input.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int Inputs = 100_000;
    private const int Seed = 20_260_117;

    [Fact]
    public async Task Mutated_payloads_never_crash_hang_or_allocate_without_bound()
    {
        var seeds = Fixtures.All().Select(Fixtures.Bytes)
            .Concat(Directory.EnumerateFiles(Fixtures.PayloadDirectory, "*.prom").Order(StringComparer.Ordinal).Select(File.ReadAllBytes))
            .ToArray();
        var run = Task.Run(() => ParserFuzzer.Run(seeds, Inputs, Seed));
        // Bounds the whole run (tens of seconds on a busy machine); only a hang reaches it.
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(4)));
        Assert.True(finished == run, $"parser fuzz (seed {Seed}) did not finish within 4 minutes: a hang");
        var tally = await run;
        Assert.True(tally.FailureCount == 0, tally.Summary());
        Assert.Equal(Inputs, tally.Inputs);
        foreach (var outcome in new[] { "rejected", "parsed_no_engine", "read" })
        {
            Assert.True(tally.Outcomes.GetValueOrDefault(outcome) > 0, $"no input ended as {outcome}: the fuzzer is not reaching that path. {tally.Summary()}");
        }
    }
}
