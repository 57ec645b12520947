using Xunit.Abstractions;
using static Telemetry.EndToEnd.Tests.SpineRig;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A real Prometheus scrapes the collector: it accepts the exposition, serves the collector's KPI
/// with the expected value, and can recompute the same KPI in PromQL from the raw counters (the
/// property that makes collector shards safe to add up).
/// </summary>
[Collection("processes")]
public sealed class PrometheusEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Prometheus_scrapes_the_collector_and_answers_kpi_queries_with_the_ground_truth()
    {
        await using var rig = await SpineRig.StartAsync(["10s", "1m"]);
        using var prometheus = RealPrometheus.Start(new Uri(rig.CollectorUrl).Authority);
        await rig.WaitForFullWindowAsync("a", "10s", 10, TimeSpan.FromSeconds(60));
        var windowFull = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // Use a sample Prometheus scraped after the window was full (a loaded machine can delay scrapes).
        const string Kpi = "inference_kpi_tokens_per_joule{scope=\"server\",server=\"a\",window=\"10s\",token_type=\"output\"}";
        await Poll.UntilAsync(async () => await prometheus.QueryAsync($"timestamp({Kpi})") > windowFull + 1, TimeSpan.FromSeconds(30),
            () => $"prometheus target: {prometheus.TargetHealthAsync().GetAwaiter().GetResult()}\n{rig.Logs}");
        var fromKpi = await prometheus.QueryAsync(Kpi);

        // Recomputed in PromQL from raw cumulative counters, numerator and denominator aggregated separately.
        const string Recomputed = "sum(rate(inference_tokens_total{server=\"a\",token_type=\"output\"}[15s])) / sum(rate(inference_server_energy_joules_total{server=\"a\"}[15s]))";
        double? fromCounters = null;
        await Poll.UntilAsync(async () => (fromCounters = await prometheus.QueryAsync(Recomputed)) is not null, TimeSpan.FromSeconds(30), () => rig.Logs);

        var expected = ServerAOutputPerSecond / Gpu0AverageWatts;
        output.WriteLine($"expected {expected:0.0000}; collector KPI via Prometheus {fromKpi:0.0000}; PromQL from raw counters {fromCounters:0.0000}");
        Assert.InRange(fromKpi!.Value, expected * 0.99, expected * 1.01);
        Assert.InRange(fromCounters!.Value, expected * 0.97, expected * 1.03);
        Assert.Equal(1, await prometheus.QueryAsync("up{job=\"inference-telemetry\"}"));
    }
}
