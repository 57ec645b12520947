using System.Text.Json;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// An agent that starts before its collector keeps its reports and replays them in order once the
/// collector is up; the collector places them at the seconds they were sampled.
/// </summary>
[Collection("processes")]
public sealed class ReplayEndToEndTests
{
    private const int CollectorDelaySeconds = 8;

    [Fact]
    public async Task Reports_taken_while_the_collector_was_down_land_at_their_sample_times()
    {
        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent",
            ["run", "--config", Path.Combine(RepoPaths.Root, "demo", "agent.json"), $"--Agent:Collector:Url={collectorUrl}", "--Agent:Node=replay-node"],
            new Dictionary<string, string>());
        await Task.Delay(TimeSpan.FromSeconds(CollectorDelaySeconds));
        Assert.False(agent.HasExited, agent.Output);

        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector",
            [$"--Collector:Listen={collectorUrl}", "--Collector:Windows:0=1m"], new Dictionary<string, string>());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string Logs() => $"--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";

        // Right after start the collector already covers the seconds before it existed.
        double covered = 0;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync(collectorUrl + "/api/v1/kpis?scope=node&window=1m"));
                var kpis = doc.RootElement.GetProperty("kpis");
                covered = kpis.GetArrayLength() > 0 ? kpis[0].GetProperty("covered_seconds").GetDouble() : 0;
                return covered >= CollectorDelaySeconds - 3;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), Logs);

        var metrics = await http.GetStringAsync(collectorUrl + "/metrics");
        Assert.True(ExpositionText.Find(metrics, "inference_collector_reports_accepted_total") >= CollectorDelaySeconds - 2, metrics);
        Assert.Equal(0, ExpositionText.Find(metrics, "inference_collector_reports_rejected_total", ("reason", "invalid")));
        Assert.Contains("unreachable", agent.Output, StringComparison.Ordinal);
    }
}
