using Telemetry.Agent.Sharding;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>
/// <c>telemetry-agent doctor</c> as an operator runs it (the built agent, environment-only configuration, a real
/// collector, real HTTP servers, the gcc-built fake NVML): each misconfiguration is found, named in plain words and
/// given its fix, and the exit code says whether anything failed.
/// </summary>
public sealed class DoctorTests : IClassFixture<DoctorCollector>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90); // only so a hang cannot stall the run

    private readonly DoctorCollector _collector;
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("doctor-");

    public DoctorTests(DoctorCollector collector)
    {
        _collector = collector;
    }

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public async Task A_healthy_node_passes_every_check()
    {
        await using var server = new FakeVllmServer(RepoPaths.FreePort(), new Dictionary<string, (string, double, double)> { ["a"] = ("qwen3", 100, 50) });
        await server.StartAsync();
        var (code, output) = Doctor(Healthy(server.BaseUrl + "/a/metrics"));

        Assert.True(code == 0, output);
        Assert.Contains("[ ok ] configuration: valid; node 'gpu-doctor'", output, StringComparison.Ordinal);
        Assert.Contains("[ ok ] power source nvml: 2 device(s)", output, StringComparison.Ordinal);
        Assert.Contains($"[ ok ] server llm ({server.BaseUrl}/a/metrics): engine vllm; model(s) qwen3; token counters present", output, StringComparison.Ordinal);
        Assert.Contains($"[ ok ] collector {_collector.Url}: reachable; reports for node 'gpu-doctor' are accepted", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[FAIL]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_nvml_library_is_named_with_the_key_that_fixes_it()
    {
        await using var server = await MetricsStub.StartAsync(TokensPayload);
        var missing = Path.Combine(_scratch.FullName, "libnvidia-ml.so.1");
        var env = Healthy(server.MetricsUrl);
        env["Agent__Power__Nvml__LibraryPath"] = missing;

        var (code, output) = Doctor(env);

        Assert.True(code == 1, output);
        Assert.Contains("[FAIL] power source nvml: unavailable:", output, StringComparison.Ordinal);
        Assert.Contains($"fix: Agent:Power:Nvml:LibraryPath is '{missing}': point it at libnvidia-ml.so.1", output, StringComparison.Ordinal);
        Assert.Single(Failures(output));
    }

    [Fact]
    public void An_unreachable_server_is_named_with_its_url()
    {
        var url = $"http://127.0.0.1:{RepoPaths.FreePort()}/metrics";
        var (code, output) = Doctor(Healthy(url));

        Assert.True(code == 1, output);
        Assert.Contains($"[FAIL] server llm ({url}): not readable: GET {url} failed: connection refused", output, StringComparison.Ordinal);
        Assert.Contains("fix: start the server, or fix Agent:Servers:0:Url", output, StringComparison.Ordinal);
        Assert.Single(Failures(output));
    }

    [Fact]
    public async Task A_server_without_token_counters_fails_because_there_would_be_no_tokens_per_joule()
    {
        await using var server = await MetricsStub.StartAsync("""
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0",model_name="qwen3"} 2
            # TYPE vllm:num_requests_waiting gauge
            vllm:num_requests_waiting{engine="0",model_name="qwen3"} 0

            """);
        var (code, output) = Doctor(Healthy(server.MetricsUrl));

        Assert.True(code == 1, output);
        Assert.Contains($"[FAIL] server llm ({server.MetricsUrl}): engine vllm answers but reports no token counters (models: qwen3)", output, StringComparison.Ordinal);
        Assert.Contains("fix: check that Agent:Servers:0:Url is the inference engine's own /metrics", output, StringComparison.Ordinal);
        Assert.Single(Failures(output));
    }

    [Fact]
    public async Task An_unreachable_collector_is_named_with_the_fix()
    {
        await using var server = await MetricsStub.StartAsync(TokensPayload);
        var env = Healthy(server.MetricsUrl);
        var dead = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        env["Agent__Collector__Url"] = dead;

        var (code, output) = Doctor(env);

        Assert.True(code == 1, output);
        Assert.Contains($"[FAIL] collector {dead}: unreachable: Connection refused", output, StringComparison.Ordinal);
        Assert.Contains("fix: start the collector, or fix Agent:Collector:Url", output, StringComparison.Ordinal);
        Assert.Single(Failures(output));
    }

    [Fact]
    public async Task A_sharded_node_is_told_which_collector_it_uses_and_why()
    {
        await using var server = await MetricsStub.StartAsync(TokensPayload);
        var env = Healthy(server.MetricsUrl);
        env.Remove("Agent__Collector__Url");

        // A second shard that is down; its port is picked so this node's hash lands on the live collector.
        var shards = Enumerable.Range(0, 50).Select(_ => new List<string> { $"http://127.0.0.1:{RepoPaths.FreePort()}", _collector.Url })
            .First(urls => CollectorAssignment.For(new() { Urls = urls }, DoctorCollector.Node).Url == _collector.Url);
        env["Agent__Collector__Urls__0"] = shards[0];
        env["Agent__Collector__Urls__1"] = shards[1];

        var (code, output) = Doctor(env);

        Assert.True(code == 0, output);
        Assert.Contains($"[ ok ] collector assignment: node '{DoctorCollector.Node}' reports to {_collector.Url}: shard 1 of 2 in Agent:Collector:Urls, chosen by rendezvous hash of node id '{DoctorCollector.Node}'; no failover", output, StringComparison.Ordinal);
        Assert.Contains($"[ ok ] collector {_collector.Url}: reachable; reports for node '{DoctorCollector.Node}' are accepted", output, StringComparison.Ordinal);
        Assert.DoesNotContain(shards[0], output, StringComparison.Ordinal); // the other shard is not this node's concern
    }

    [Theory]
    [InlineData("wrong-token-0123456789", DoctorCollector.Node, "the token is rejected (401): unknown bearer token", "fix: Agent:Collector:Token is not one of the collector's")]
    [InlineData("", DoctorCollector.Node, "the token is rejected (401): missing bearer token", "fix: set Agent:Collector:Token to this node's token")]
    [InlineData(DoctorCollector.Token, "gpu-other", "reports for node 'gpu-other' are refused (403): this token may not report for node 'gpu-other'", "fix: add 'gpu-other' to that token's Collector:Auth:Tokens:N:Nodes")]
    public async Task A_refused_token_is_named_with_the_status_and_the_fix(string token, string node, string finding, string fix)
    {
        await using var server = await MetricsStub.StartAsync(TokensPayload);
        var env = Healthy(server.MetricsUrl);
        env["Agent__Collector__Token"] = token;
        env["Agent__Node"] = node;

        var (code, output) = Doctor(env);

        Assert.True(code == 1, output);
        Assert.Contains($"[FAIL] collector {_collector.Url}: reachable, but {finding}", output, StringComparison.Ordinal);
        Assert.Contains(fix, output, StringComparison.Ordinal);
        Assert.Single(Failures(output));
    }

    [Fact]
    public async Task A_bad_configuration_value_is_named_and_the_other_checks_still_run()
    {
        await using var server = await MetricsStub.StartAsync(TokensPayload);
        var env = Healthy(server.MetricsUrl);
        env["Agent__Servers__0__Role"] = "both";

        var (code, output) = Doctor(env);

        Assert.True(code == 1, output);
        var failure = Assert.Single(Failures(output));
        Assert.StartsWith("[FAIL] configuration: Agent:Servers:0:Role", failure, StringComparison.Ordinal);
        Assert.Contains($"[ ok ] collector {_collector.Url}", output, StringComparison.Ordinal); // checked all the same
    }

    private const string TokensPayload = """
        # TYPE vllm:prompt_tokens_total counter
        vllm:prompt_tokens_total{engine="0",model_name="qwen3"} 1200
        # TYPE vllm:generation_tokens_total counter
        vllm:generation_tokens_total{engine="0",model_name="qwen3"} 3400

        """;

    /// <summary>A configuration with nothing wrong: fake NVML with two GPUs, one server, this collector and its token.</summary>
    private Dictionary<string, string> Healthy(string serverUrl)
    {
        var config = Path.Combine(_scratch.FullName, "fake-nvml.conf");
        File.WriteAllText(config, "devices=2\ntime_s=10\n");
        return new Dictionary<string, string>
        {
            ["FAKE_NVML_CONFIG"] = config,
            ["Agent__Node"] = DoctorCollector.Node,
            ["Agent__Power__Sources__0"] = "nvml",
            ["Agent__Power__Nvml__LibraryPath"] = RepoPaths.FakeNvml,
            ["Agent__Servers__0__Name"] = "llm",
            ["Agent__Servers__0__Url"] = serverUrl,
            ["Agent__Collector__Url"] = _collector.Url,
            ["Agent__Collector__Token"] = DoctorCollector.Token,
        };
    }

    private static (int Code, string Output) Doctor(Dictionary<string, string> env)
    {
        using var agent = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent", ["doctor"], env);
        var code = agent.WaitForExit(Patience);
        Assert.True(code is not null, "doctor did not finish within " + Patience + "\n" + agent.Output);
        return (code.Value, agent.Output.ReplaceLineEndings("\n"));
    }

    private static List<string> Failures(string output) => [.. output.Split('\n').Where(l => l.StartsWith("[FAIL]", StringComparison.Ordinal))];
}
