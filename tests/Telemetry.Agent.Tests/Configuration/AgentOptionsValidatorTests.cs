using Telemetry.Agent.Configuration;

namespace Telemetry.Agent.Tests.Configuration;

public sealed class AgentOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(AgentOptionsValidator.Validate(new AgentOptions()));

    [Fact]
    public void Backlog_and_spool_bounds_too_small_to_hold_a_report_are_refused_with_their_key()
    {
        var o = new AgentOptions();
        o.Collector.BacklogMaxBytes = 1000;
        o.Collector.SpoolDirectory = "/var/lib/telemetry-agent/spool";
        o.Collector.SpoolMaxBytes = 10;
        var errors = AgentOptionsValidator.Validate(o);
        Assert.Contains(errors, e => e.StartsWith("Agent:Collector:BacklogMaxBytes must be at least 65536", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Collector:SpoolMaxBytes must be at least 65536", StringComparison.Ordinal));
        o.Collector.SpoolDirectory = ""; // no spool: its bound is not used
        Assert.DoesNotContain(AgentOptionsValidator.Validate(o), e => e.Contains("SpoolMaxBytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_problem_names_its_key()
    {
        var o = new AgentOptions
        {
            IntervalSeconds = 0,
            Collector = new CollectorClientOptions { Url = "not a url" },
            Power = new PowerOptions { Sources = ["nvml", "tpu"] },
            Servers =
            [
                new ServerOptions { Name = "a", Url = "http://127.0.0.1:8000/metrics", Role = "both" },
                new ServerOptions { Name = "a", Url = "ftp://x", Engine = "mystery" },
            ],
        };
        var errors = AgentOptionsValidator.Validate(o);
        Assert.Contains(errors, e => e.StartsWith("Agent:IntervalSeconds", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Collector:Url", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Power:Sources:1 'tpu'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:0:Role 'both'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:1:Name 'a' is used", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:1:Engine 'mystery'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Agent:Servers:1:Url 'ftp://x'", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public void A_simulated_server_needs_no_url() =>
        Assert.Empty(AgentOptionsValidator.Validate(new AgentOptions { Servers = [new ServerOptions { Name = "demo", Engine = "simulated" }] }));

    [Fact]
    public void A_ca_file_must_hold_a_certificate_and_goes_with_https()
    {
        var notPem = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notPem, "not a certificate");
            var errors = AgentOptionsValidator.Validate(new AgentOptions
            {
                Collector = new CollectorClientOptions { Url = "http://collector:9464", CaCertificatePath = notPem },
            });
            Assert.Contains(errors, e => e.StartsWith("Agent:Collector:CaCertificatePath is set but collector URL 'http://collector:9464' is not https", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith($"Agent:Collector:CaCertificatePath '{notPem}' is not a readable PEM CA certificate", StringComparison.Ordinal));
            Assert.Equal(2, errors.Count);

            var missing = AgentOptionsValidator.Validate(new AgentOptions
            {
                Collector = new CollectorClientOptions { Url = "https://collector:9464", CaCertificatePath = notPem + ".missing" },
            });
            Assert.Single(missing);
        }
        finally
        {
            File.Delete(notPem);
        }
    }
}
