using Xunit.Abstractions;
using static Telemetry.EndToEnd.Tests.LossRig;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// Compares a node's windowed KPIs from /api/v1/kpis with what <see cref="LossRig"/>'s sources made
/// over the seconds the window covers: per server tokens, energy and tokens/J, and the node's totals.
/// </summary>
internal static class KpiTruth
{
    public const double Tolerance = 0.01;

    /// <summary>The differences beyond <see cref="Tolerance"/> (empty when all agree), each naming what and by how much.</summary>
    public static async Task<List<string>> DifferencesAsync(LossRig rig, string node, string window, double minCoveredSeconds, List<string>? measured = null)
    {
        var problems = new List<string>();
        var rows = new[]
        {
            ("server a", await rig.KpiAsync("server", window, ("server", "a"), ("node", node)), ServerAInputPerSecond, ServerAOutputPerSecond, Gpu0Watts),
            ("server b", await rig.KpiAsync("server", window, ("server", "b"), ("node", node)), ServerBInputPerSecond, ServerBOutputPerSecond, Gpu1Watts),
            ("node", await rig.KpiAsync("node", window, ("node", node)), ServerAInputPerSecond + ServerBInputPerSecond,
                ServerAOutputPerSecond + ServerBOutputPerSecond, Gpu0Watts + Gpu1Watts),
        };
        foreach (var (what, row, input, output, watts) in rows)
        {
            if (row is null)
            {
                problems.Add($"{what}: no {window} row");
                continue;
            }

            var seconds = row.CoveredSeconds;
            if (seconds < minCoveredSeconds)
            {
                problems.Add($"{what}: window covers {seconds} s, less than the {minCoveredSeconds} s spanning the event: {row.Json}");
                continue;
            }

            Compare(problems, measured, $"{what} output tokens over {seconds} s", output * seconds, row.OutputTokens, row.Json);
            Compare(problems, measured, $"{what} input tokens over {seconds} s", input * seconds, row.InputTokens, row.Json);
            Compare(problems, measured, $"{what} energy J over {seconds} s", watts * seconds, row.EnergyJoules, row.Json);
            Compare(problems, measured, $"{what} output tokens/J", output / watts, row.OutputTokensPerJoule, row.Json);
        }

        return problems;
    }

    /// <summary>
    /// Waits (bounded) until the window agrees with the truth, e.g. while a backlog is replayed; fails naming every
    /// difference. The measured values of the agreeing read go to <paramref name="output"/>.
    /// </summary>
    public static async Task AssertWithinAsync(LossRig rig, string node, string window, double minCoveredSeconds, string afterEvent, TimeSpan limit, ITestOutputHelper? output = null)
    {
        var last = new List<string>();
        var measured = new List<string>();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                measured.Clear();
                return (last = await DifferencesAsync(rig, node, window, minCoveredSeconds, measured)).Count == 0;
            }, limit, () => "");
            foreach (var line in measured)
            {
                output?.WriteLine($"after {afterEvent}: {line}");
            }
        }
        catch (Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"after {afterEvent}, node {node}'s {window} window differs from the truth by more than {Tolerance:P0}:\n"
                + string.Join("\n", last) + "\n" + rig.Logs);
        }
    }

    private static void Compare(List<string> problems, List<string>? measured, string what, double expected, double actual, string json)
    {
        var error = Math.Abs(actual - expected) / expected;
        measured?.Add($"{what}: expected {expected:0.###}, measured {actual:0.###} ({error:P3} off)");
        if (!(error <= Tolerance))
        {
            problems.Add($"{what}: expected {expected:0.###}, got {actual:0.###} ({error:P2} off) in {json}");
        }
    }
}
