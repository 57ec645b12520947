using Xunit.Abstractions;
namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// Two real agents whose wall clocks are 5 minutes ahead and 5 minutes behind (libfaketime preloaded,
/// the monotonic clock left real, as on a host whose NTP is broken): the collector's clock-offset
/// correction places their samples at the right time, so the current window holds them and their
/// tokens, energy and tokens/J equal the truth within 1%.
/// </summary>
[Collection("processes")]
public sealed class ClockSkewEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Agent_clocks_five_minutes_off_either_way_still_give_windowed_kpis_within_one_percent_at_the_right_time()
    {
        var faketime = LibFaketime();
        await using var rig = await LossRig.StartAsync(["1m"], ["ahead", "behind"]);
        rig.SetNvml([], reloads: 0);
        foreach (var (node, offset) in new[] { ("ahead", "+5m"), ("behind", "-5m") })
        {
            rig.StartAgent(node, new Dictionary<string, string>
            {
                ["LD_PRELOAD"] = faketime,
                ["FAKETIME"] = offset,
                ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1", // timers and Stopwatch stay real, as on a host with a wrong wall clock
            });
        }

        // Misplaced by 5 minutes, the samples would miss the current 1m window entirely (or sit in its future).
        foreach (var node in new[] { "ahead", "behind" })
        {
            await KpiTruth.AssertWithinAsync(rig, node, "1m", minCoveredSeconds: 30, $"an agent clock {node} by 5 minutes", TimeSpan.FromSeconds(120), output);
        }

        var metrics = await rig.Http.GetStringAsync(rig.CollectorUrl + "/metrics");
        var ahead = ExpositionText.Find(metrics, "inference_node_clock_offset_seconds", ("node", "ahead"));
        var behind = ExpositionText.Find(metrics, "inference_node_clock_offset_seconds", ("node", "behind"));
        Assert.True(ahead is < -295 and > -305, $"clock offset of the agent 5 min ahead: {ahead}\n{metrics}");
        Assert.True(behind is > 295 and < 305, $"clock offset of the agent 5 min behind: {behind}\n{metrics}");
    }

    /// <summary>libfaketime from Debian's faketime package; a clear failure saying how to install it when absent.</summary>
    private static string LibFaketime()
    {
        var found = Directory.Exists("/usr/lib")
            ? Directory.EnumerateFiles("/usr/lib", "libfaketime.so.1", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true }).FirstOrDefault()
            : null;
        return found ?? throw new Xunit.Sdk.XunitException("libfaketime.so.1 not found under /usr/lib: install it with apt-get install -y faketime (.ci/run does)");
    }
}
