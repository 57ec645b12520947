using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// Issue 8 item 2 with real processes: TLS ingest and scrapes (a real Prometheus with a private CA and a read
/// token), an agent without the CA refusing the collector, rate-limited replay, open-ingest warning, and no
/// secret in any process's output.
/// </summary>
[Collection("processes")]
public sealed class SecurityEndToEndTests
{
    private const string IngestToken = "ingest-token-5ecret-0a1b2c3d";
    private const string ReadToken = "read-token-5ecret-4e5f6a7b8c";

    private static string Demo(string file) => Path.Combine(RepoPaths.Root, "demo", file);

    private static HostProcess StartAgent(string collectorUrl, string node, params string[] more) =>
        HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent",
            ["run", "--config", Demo("agent.json"), $"--Agent:Collector:Url={collectorUrl}", $"--Agent:Node={node}", .. more], new Dictionary<string, string>());

    private static HostProcess StartCollector(string listen, params string[] more) =>
        HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector",
            ["--config", Demo("collector.json"), $"--Collector:Listen={listen}", "--Collector:Windows:0=1m", .. more], new Dictionary<string, string>());

    [Fact]
    public async Task The_healthcheck_over_https_trusts_the_collectors_own_certificate_and_no_other()
    {
        var dir = Directory.CreateTempSubdirectory("telemetry-tls-");
        try
        {
            var pki = TestPki.Create(Directory.CreateDirectory(Path.Combine(dir.FullName, "served")).FullName);
            var other = TestPki.Create(Directory.CreateDirectory(Path.Combine(dir.FullName, "other")).FullName);
            var url = $"https://127.0.0.1:{RepoPaths.FreePort()}";
            string[] tls = [$"--Kestrel:Certificates:Default:Path={pki.CertificatePath}", $"--Kestrel:Certificates:Default:KeyPath={pki.KeyPath}"];
            using var collector = StartCollector(url, tls);

            // The same configuration as the collector (as a container HEALTHCHECK has): its private CA is in no system
            // store, and the probe still passes, trusting the certificate the configuration serves.
            (int Code, string Output) passed = default;
            await Poll.UntilAsync(() => Task.FromResult((passed = Healthcheck(url, tls)).Code == 0), TimeSpan.FromSeconds(60), () => passed.Output + "\n--- collector ---\n" + collector.Output);
            Assert.Contains($"{url}/healthz: HTTP 200", passed.Output, StringComparison.Ordinal);

            // Given another certificate, the probe refuses the collector's: pinned, not "accept anything".
            var (code, output) = Healthcheck(url, [$"--Kestrel:Certificates:Default:Path={other.CertificatePath}"]);
            Assert.True(code == 1, output);
            Assert.Contains("RemoteCertificateValidationCallback", output, StringComparison.Ordinal);

            // A certificate path that is not a certificate is a configuration error, said as such.
            (code, output) = Healthcheck(url, [$"--Kestrel:Certificates:Default:Path={pki.KeyPath}"]);
            Assert.True(code == 2, output);
            Assert.Contains("is not a readable certificate", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int Code, string Output) Healthcheck(string listen, string[] tls)
    {
        using var probe = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", ["healthcheck", $"--Collector:Listen={listen}", .. tls], new Dictionary<string, string>());
        var code = probe.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(code is not null, "the healthcheck did not exit\n" + probe.Output);
        return (code.Value, probe.Output);
    }

    [Fact]
    public async Task Over_https_an_agent_with_the_ca_reports_prometheus_scrapes_with_a_read_token_and_strangers_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("telemetry-tls-");
        try
        {
            var pki = TestPki.Create(dir.FullName);
            var port = RepoPaths.FreePort();
            var url = $"https://127.0.0.1:{port}";
            using var collector = StartCollector(url,
                $"--Kestrel:Certificates:Default:Path={pki.CertificatePath}", $"--Kestrel:Certificates:Default:KeyPath={pki.KeyPath}",
                $"--Collector:Auth:Tokens:0:Token={IngestToken}", "--Collector:Auth:Tokens:0:Nodes:0=*", $"--Collector:Auth:ReadTokens:0={ReadToken}");
            using var trusting = StartAgent(url, "tls-node", $"--Agent:Collector:Token={IngestToken}", $"--Agent:Collector:CaCertificatePath={pki.CaPath}");
            using var untrusting = StartAgent(url, "no-ca-node", $"--Agent:Collector:Token={IngestToken}");
            using var prometheus = RealPrometheus.StartWith($"""
                  - job_name: with-token
                    scheme: https
                    tls_config: {"{"} ca_file: "{pki.CaPath}" {"}"}
                    authorization: {"{"} credentials: "{ReadToken}" {"}"}
                    static_configs: [ {"{"} targets: ["127.0.0.1:{port}"] {"}"} ]
                  - job_name: without-token
                    scheme: https
                    tls_config: {"{"} ca_file: "{pki.CaPath}" {"}"}
                    static_configs: [ {"{"} targets: ["127.0.0.1:{port}"] {"}"} ]
                """);
            string Logs() => $"--- collector ---\n{collector.Output}\n--- agent with CA ---\n{trusting.Output}\n--- agent without CA ---\n{untrusting.Output}";

            // Prometheus, trusting only the private CA, scrapes over TLS with the read token and sees the agent's node.
            await Poll.UntilAsync(async () => await prometheus.QueryAsync("inference_node_up{job=\"with-token\",node=\"tls-node\"}") == 1, TimeSpan.FromSeconds(60), Logs);
            IReadOnlyList<(string Job, string Health, string LastError)> targets = [];
            await Poll.UntilAsync(async () =>
            {
                targets = await prometheus.TargetsAsync();
                return targets.Any(t => t.Job == "without-token" && t.Health == "down");
            }, TimeSpan.FromSeconds(30), () => string.Join("\n", targets) + Logs());
            Assert.Contains("401", targets.Single(t => t.Job == "without-token").LastError, StringComparison.Ordinal);
            Assert.Equal("up", targets.Single(t => t.Job == "with-token").Health);

            // The agent without the CA says why, names the key that fixes it, and none of its reports got in.
            await Poll.UntilAsync(() => Task.FromResult(untrusting.Output.Contains("Agent:Collector:CaCertificatePath", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), Logs);
            Assert.Contains("TLS with collector at https://127.0.0.1:", untrusting.Output, StringComparison.Ordinal);
            Assert.Matches("certificate chain: (UntrustedRoot|PartialChain)", untrusting.Output);
            using var http = TrustingClient(pki.CaPath);
            var nodes = await http.GetStringAsync(url + "/api/v1/nodes");
            Assert.Contains("\"tls-node\"", nodes, StringComparison.Ordinal);
            Assert.DoesNotContain("no-ca-node", nodes, StringComparison.Ordinal);

            // Plain http to the TLS port gets nowhere.
            using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetStringAsync($"http://127.0.0.1:{port}/healthz"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>An HttpClient that trusts only the test CA and sends the read token (what a scraper would do).</summary>
    private static HttpClient TrustingClient(string caPath)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caPath);
        policy.CustomTrustStore.AddRange(roots);
        var http = new HttpClient(new SocketsHttpHandler { SslOptions = new() { CertificateChainPolicy = policy } }) { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReadToken);
        return http;
    }

    [Fact]
    public async Task No_token_appears_in_any_process_output_even_at_debug_level()
    {
        const string OtherNodeToken = "other-node-5ecret-9d8e7f6a5b";
        const string UnknownToken = "unknown-5ecret-1f2e3d4c5b6a";
        const string WrongReadToken = "wrong-read-5ecret-0f9e8d7c";
        string[] secrets = [IngestToken, OtherNodeToken, UnknownToken, ReadToken, WrongReadToken, "5ecret"];

        var url = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = StartCollector(url, "--Logging:Level=Debug",
            $"--Collector:Auth:Tokens:0:Token={IngestToken}", "--Collector:Auth:Tokens:0:Nodes:0=good-node",
            $"--Collector:Auth:Tokens:1:Token={OtherNodeToken}", "--Collector:Auth:Tokens:1:Nodes:0=other-node",
            $"--Collector:Auth:ReadTokens:0={ReadToken}");
        using var good = StartAgent(url, "good-node", "--Logging:Level=Debug", $"--Agent:Collector:Token={IngestToken}");
        using var unknown = StartAgent(url, "stranger-node", "--Logging:Level=Debug", $"--Agent:Collector:Token={UnknownToken}");
        using var forbidden = StartAgent(url, "good-node-impostor", "--Logging:Level=Debug", $"--Agent:Collector:Token={OtherNodeToken}");
        string Logs() => $"--- collector ---\n{collector.Output}\n--- good ---\n{good.Output}\n--- unknown ---\n{unknown.Output}\n--- forbidden ---\n{forbidden.Output}";

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string metrics = "";
        await Poll.UntilAsync(async () =>
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url + "/metrics");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ReadToken);
                metrics = await (await http.SendAsync(request)).Content.ReadAsStringAsync();
            }
            catch (HttpRequestException)
            {
                return false;
            }

            return ExpositionText.Find(metrics, "inference_collector_reports_rejected_total", ("reason", "unauthorized")) >= 1
                && ExpositionText.Find(metrics, "inference_collector_reports_rejected_total", ("reason", "forbidden")) >= 1
                && ExpositionText.Find(metrics, "inference_collector_reports_accepted_total") >= 1
                && unknown.Output.Contains("refused this node's token", StringComparison.Ordinal)
                && forbidden.Output.Contains("refused this node's token", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), Logs);

        // A wrong read token, and a wrong ingest token sent by hand with garbage.
        using (var read = new HttpRequestMessage(HttpMethod.Get, url + "/api/v1/kpis"))
        {
            read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WrongReadToken);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(read)).StatusCode);
        }

        using (var post = new HttpRequestMessage(HttpMethod.Post, url + "/v1/reports") { Content = new ByteArrayContent([1, 2, 3]) })
        {
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", UnknownToken);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(post)).StatusCode);
        }

        // The doctor checks the token against the collector and prints its verdict: still no token in it.
        using var doctor = HostProcess.Start("Telemetry.Agent.Host", "telemetry-agent",
            ["doctor", "--config", Demo("agent.json"), $"--Agent:Collector:Url={url}", "--Agent:Node=good-node", $"--Agent:Collector:Token={OtherNodeToken}"], new Dictionary<string, string>());
        Assert.NotNull(doctor.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Contains("Collector:Auth:Tokens", doctor.Output, StringComparison.Ordinal);

        await Task.Delay(500); // let the last log lines reach the captured output
        foreach (var (name, output) in new[] { ("collector", collector.Output), ("good agent", good.Output), ("unknown-token agent", unknown.Output), ("forbidden agent", forbidden.Output), ("doctor", doctor.Output) })
        {
            Assert.True(output.Length > 0, name + " wrote nothing: the check below would prove nothing");
            foreach (var secret in secrets)
            {
                Assert.False(output.Contains(secret, StringComparison.Ordinal), $"{name} output contains the secret '{secret}':\n{output}");
            }
        }

        Assert.Contains("unknown bearer token", collector.Output, StringComparison.Ordinal); // the refusals were logged, just not the tokens
        Assert.Contains("may not report for node 'good-node-impostor'", collector.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ingest_warns_and_a_rate_limited_backlog_replay_loses_nothing()
    {
        const int CollectorDelaySeconds = 8;
        var url = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        var agentStarted = DateTime.UtcNow;
        using var agent = StartAgent(url, "throttled-node");
        await Task.Delay(TimeSpan.FromSeconds(CollectorDelaySeconds));

        // 2 reports a second against a backlog of ~8 and 1 new report a second: 429s, then caught up.
        using var collector = StartCollector(url, "--Collector:RateLimit:ReportsPerSecond=2", "--Collector:RateLimit:Burst=2");
        string Logs() => $"--- collector ---\n{collector.Output}\n--- agent ---\n{agent.Output}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string metrics = "";
        await Poll.UntilAsync(async () =>
        {
            try
            {
                metrics = await http.GetStringAsync(url + "/metrics");
            }
            catch (HttpRequestException)
            {
                return false;
            }

            return ExpositionText.Find(metrics, "inference_collector_reports_rejected_total", ("reason", "rate_limited")) >= 1
                && ExpositionText.Find(metrics, "inference_collector_reports_accepted_total") >= CollectorDelaySeconds + 4;
        }, TimeSpan.FromSeconds(60), Logs);

        Assert.Contains("No ingest tokens configured (Collector:Auth:Tokens): ingest is open to loopback clients only", collector.Output, StringComparison.Ordinal);
        Assert.Contains("is pacing this node (429, Retry-After 1 s)", agent.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("answered 429", agent.Output, StringComparison.Ordinal); // back-pressure is not logged as a fault
        Assert.DoesNotContain("dropped", agent.Output, StringComparison.Ordinal);

        // Nothing lost: the agent samples once a second from its start, and the collector catches up with all of it
        // (allowing a few seconds for the agent's own start-up and the report in flight).
        await Poll.UntilAsync(async () =>
        {
            metrics = await http.GetStringAsync(url + "/metrics");
            return ExpositionText.Find(metrics, "inference_collector_reports_accepted_total") >= (DateTime.UtcNow - agentStarted).TotalSeconds - 4;
        }, TimeSpan.FromSeconds(60), Logs);
        Assert.Equal(0, ExpositionText.Find(metrics, "inference_collector_reports_rejected_total", ("reason", "invalid")));
    }

    [Fact]
    public async Task The_status_page_says_a_read_token_is_needed_in_chromium()
    {
        var url = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        using var collector = StartCollector(url, $"--Collector:Auth:ReadTokens:0={ReadToken}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await http.GetAsync(url + "/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), () => collector.Output);

        var dom = Packaging.HeadlessChromium.DumpDom(url + "/", virtualTimeMs: 3000);
        Assert.Contains("data-state=\"error\"", dom, StringComparison.Ordinal);
        Assert.Contains("this collector requires a read token (Collector:Auth:ReadTokens)", dom, StringComparison.Ordinal);
    }
}
