using Telemetry.Collector.Configuration;
using Telemetry.Collector.Hosting;
using Telemetry.Collector.State;
using Telemetry.Collector.Tests.Otlp;
using Telemetry.Fuzzing;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Fuzz;

/// <summary>
/// Mutated NodeReports against decode → validate → apply (fixed seed: a failure prints the seed and
/// input index and reproduces with <c>bench fuzz</c>). No exception, no hang, bounded allocation,
/// every outcome a documented one, and /metrics and /api/v1/kpis sane afterwards.
/// </summary>
public sealed class IngestFuzzTests
{
    private const int Inputs = 100_000;
    private const int Seed = 20_261_203;

    [Fact]
    public async Task Mutated_reports_end_in_a_documented_outcome_and_leave_the_export_sane()
    {
        var run = Task.Run(() => IngestFuzzer.RunAsync(Inputs, Seed));
        // Bounds the whole run: a few tens of seconds on a busy 2-core machine; only a hang reaches it.
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(4)));
        Assert.True(finished == run, $"ingest fuzz (seed {Seed}) did not finish within 4 minutes: a hang");
        var tally = await run;
        Assert.True(tally.FailureCount == 0, tally.Summary());
        Assert.Equal(Inputs, tally.Inputs);
        // Each path must be reached, or the fuzzer is not testing it.
        foreach (var outcome in new[] { "decode_malformed", "decode_too_large", "invalid", "applied_accepted", "applied_duplicate" })
        {
            Assert.True(tally.Outcomes.GetValueOrDefault(outcome) > 0, $"no input ended as {outcome}: {tally.Summary()}");
        }
    }

    [Fact]
    public async Task The_seeds_are_valid_and_applied()
    {
        using var service = new CollectorService(new CollectorOptions { Windows = ["1m"] }, new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(ReportSeeds.ReceivedMs)));
        foreach (var bytes in ReportSeeds.Encoded())
        {
            var (outcome, error) = service.Ingest(NodeReport.Parser.ParseFrom(bytes));
            Assert.Null(error);
            Assert.Equal(ApplyOutcome.Accepted, outcome);
        }

        Assert.Empty(await ExportSanity.CheckAsync(service));
        Assert.Contains(service.Kpis(null, null).Kpis, k => k.Scope == "node" && k.OutputTokens > 0);
    }
}
