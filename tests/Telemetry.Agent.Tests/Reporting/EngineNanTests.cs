using System.Text;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Servers;
using Telemetry.Scraping.Engines;
using Telemetry.Scraping.Prometheus;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Reporting;

/// <summary>
/// An engine's /metrics with NaN samples (valid Prometheus text) through the real parser, vLLM
/// profile and report builder: the NaN never reaches the wire, and the next good value resumes
/// the counter with the increase since the last good one (docs/measurement.md, bad values).
/// </summary>
public sealed class EngineNanTests
{
    private static ServerReading Scrape(string output, string running)
    {
        var text = $"""
            # TYPE vllm:prompt_tokens_total counter
            vllm:prompt_tokens_total{"{"}model_name="m",engine="0"{"}"} 500
            # TYPE vllm:generation_tokens_total counter
            vllm:generation_tokens_total{"{"}model_name="m",engine="0"{"}"} {output}
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{"{"}model_name="m",engine="0"{"}"} {running}

            """;
        Assert.True(PrometheusTextParser.TryParse(Encoding.UTF8.GetBytes(text), out var payload, out var error), error?.ToString());
        return new ServerReading(EngineProfiles.ByName("vllm")!.Read(payload!, "http://127.0.0.1:8000/metrics", null), null);
    }

    [Fact]
    public void A_NaN_counter_is_dropped_for_one_interval_and_the_next_good_value_resumes_it()
    {
        var server = new ServerOptions { Name = "a", Engine = "vllm" };
        var builder = new ReportBuilder(new AgentOptions { Node = "n1", Site = "s", Pool = "p", Servers = [server] }, startMs: 1);
        var power = new PowerReading([], []);
        builder.Build(1000, power, [(server, Scrape("100", "3"))]);

        var withNan = builder.Build(2000, power, [(server, Scrape("NaN", "NaN"))]);
        var stream = withNan.Servers[0].Streams[0];
        Assert.Null(stream.OutputTokens);
        Assert.False(stream.HasRunningRequests);
        Assert.Equal(500, stream.InputTokens.Total);
        Assert.Contains(withNan.SourceErrors, e => e.Contains("NaN", StringComparison.Ordinal));

        var after = builder.Build(3000, power, [(server, Scrape("130", "4"))]);
        Assert.Equal(130, after.Servers[0].Streams[0].OutputTokens.Total);
        Assert.Equal(30, after.Servers[0].Streams[0].OutputTokens.Delta);
        Assert.Equal(4, after.Servers[0].Streams[0].RunningRequests);
    }
}
