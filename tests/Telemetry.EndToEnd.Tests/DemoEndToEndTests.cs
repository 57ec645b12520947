namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// The README's demo configuration (demo/*.json: simulated GPUs and a simulated engine) run as real
/// processes: tokens per joule appears on /metrics and moves, and everything is labelled simulated.
/// </summary>
[Collection("processes")]
public sealed class DemoEndToEndTests
{
    [Fact]
    public async Task The_demo_shows_moving_tokens_per_joule_on_metrics()
    {
        var collectorUrl = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector",
            ["--config", Path.Combine(RepoPaths.Root, "demo", "collector.json"), $"--Collector:Listen={collectorUrl}"], new Dictionary<string, string>());
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent",
            ["run", "--config", Path.Combine(RepoPaths.Root, "demo", "agent.json"), $"--Agent:Collector:Url={collectorUrl}"], new Dictionary<string, string>());
        string Logs() => $"--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        double? first = null;
        string metrics = "";
        await Poll.UntilAsync(async () =>
        {
            try
            {
                metrics = await http.GetStringAsync(collectorUrl + "/metrics");
            }
            catch (HttpRequestException)
            {
                return false;
            }

            var value = ExpositionText.Find(metrics, "inference_kpi_tokens_per_joule", ("scope", "server"), ("server", "demo-llm"), ("window", "1m"), ("token_type", "output"));
            first ??= value;
            return value is not null && first is not null && value != first;
        }, TimeSpan.FromSeconds(60), Logs);

        // Plausible magnitudes for the simulated H100 (ML.ENERGY: ~0.1-0.3 J per output token).
        var tokensPerJoule = ExpositionText.Find(metrics, "inference_kpi_tokens_per_joule", ("scope", "fleet"), ("window", "1m"), ("token_type", "output"))!.Value;
        Assert.InRange(tokensPerJoule, 1, 12);
        Assert.Equal(1, ExpositionText.Find(metrics, "inference_gpu_info", ("gpu", "0"), ("source", "simulated"), ("energy_method", "simulated")));
        Assert.Contains("gpu_model=\"Simulated H100 80GB HBM3\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_configuration_key_stops_the_collector_with_a_message_naming_it()
    {
        using var collector = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [],
            new Dictionary<string, string> { ["Collector__Windows__0"] = "5x", ["Collector__Listen"] = $"http://127.0.0.1:{RepoPaths.FreePort()}" });
        Assert.Equal(2, collector.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("Collector:Windows:0", collector.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("fast")]
    public void A_bad_configuration_key_stops_the_agent_with_a_message_naming_it(string interval)
    {
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["run"],
            new Dictionary<string, string> { ["Agent__IntervalSeconds"] = interval, ["Agent__Power__Sources__0"] = "simulated" });
        Assert.Equal(2, agent.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("Agent:IntervalSeconds", agent.Output, StringComparison.Ordinal);
    }
}
