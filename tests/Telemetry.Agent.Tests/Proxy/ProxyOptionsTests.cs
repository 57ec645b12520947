using Telemetry.Agent.Configuration;
using Telemetry.Agent.Proxy;
using Telemetry.Agent.Reporting;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Proxy;

public sealed class ProxyOptionsTests
{
    [Fact]
    public void A_server_behind_a_proxy_needs_no_metrics_url_but_a_valid_listen_and_upstream()
    {
        var ok = new ServerOptions { Name = "ollama", Proxy = new ProxyOptions { Listen = "http://127.0.0.1:8081", Upstream = "http://127.0.0.1:11434" } };
        Assert.Empty(AgentOptionsValidator.Validate(new AgentOptions { Servers = [ok] }));

        var bad = new ServerOptions { Name = "x", Proxy = new ProxyOptions { Listen = "127.0.0.1:8081", Upstream = "ftp://u", ActiveUserSeconds = 0, MaxRequestBodyBytes = 10 } };
        var errors = AgentOptionsValidator.Validate(new AgentOptions { Servers = [bad] });
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:0:Proxy:Listen", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:0:Proxy:Upstream", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:0:Proxy:ActiveUserSeconds", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:0:Proxy:MaxRequestBodyBytes", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Tenant_hashes_depend_on_the_salt_and_never_contain_the_key()
    {
        var a = new TenantResolver(new ProxyOptions { TenantSalt = "a" }, "").Hash("key-", "sk-123");
        var b = new TenantResolver(new ProxyOptions { TenantSalt = "b" }, "").Hash("key-", "sk-123");

        Assert.NotEqual(a, b);
        Assert.Matches("^key-[0-9a-f]{16}$", a);
        Assert.Equal(a, new TenantResolver(new ProxyOptions { TenantSalt = "a" }, "").Hash("key-", "sk-123"));
    }

    /// <summary>The proxy's counts start at 0 with the agent: a stream's first report carries its whole value as the increase.</summary>
    [Fact]
    public void Proxy_streams_on_the_wire_carry_their_first_counts_as_increases()
    {
        var samples = new ProxyStreamSamples(agentStartMs: 42);
        var server = new ServerSample { Name = "s" };
        var ledger = new ProxyLedger(300);
        ledger.Record(new RequestRecord { Model = "m", Who = new Attribution("t", "gold", "u1"), Outcome = "success", InputTokens = 5, OutputTokens = 7, E2eSeconds = 0.5 }, 1000);
        samples.AddTo(server, ledger.Drain(1000));
        ledger.Record(new RequestRecord { Model = "m", Who = new Attribution("t", "gold", "u2"), Outcome = "success", InputTokens = 1, OutputTokens = 2, E2eSeconds = 0.25 }, 2000);
        var second = new ServerSample { Name = "s" };
        samples.AddTo(second, ledger.Drain(3000));

        var first = Assert.Single(server.ProxyStreams);
        Assert.Equal((7.0, 7.0, 42L), (first.OutputTokens.Total, first.OutputTokens.Delta, first.OutputTokens.Epoch));
        var next = Assert.Single(second.ProxyStreams);
        Assert.Equal((9.0, 2.0), (next.OutputTokens.Total, next.OutputTokens.Delta));
        Assert.Equal(1ul, Assert.Single(next.Sketches, s => s.Metric == "e2e_seconds").Count); // only the request since the last drain
        Assert.Equal(4.0, next.UserSeconds.Delta); // two active users × 2 s
    }
}
