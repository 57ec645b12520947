using Telemetry.Agent.Configuration;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Tests.Servers;

public sealed class ServerEngineOptionsTests
{
    [Fact]
    public void Every_engine_profile_is_an_accepted_engine_name_and_nothing_else_is()
    {
        var accepted = AgentOptionsValidator.Engines.Except(["auto", "simulated"]).Order(StringComparer.Ordinal);
        Assert.Equal(EngineProfiles.All.Select(p => p.Engine).Order(StringComparer.Ordinal), accepted);
        foreach (var engine in accepted)
        {
            var o = new AgentOptions { Servers = [new ServerOptions { Name = "s", Url = "http://127.0.0.1:8000/metrics", Engine = engine }] };
            Assert.Empty(AgentOptionsValidator.Validate(o));
        }
    }

    [Theory]
    [InlineData(0.5, true)]
    [InlineData(double.NaN, true)]
    [InlineData(1, false)]
    [InlineData(60, false)]
    public void Discovery_refresh_must_be_at_least_a_second(double seconds, bool rejected)
    {
        var errors = AgentOptionsValidator.Validate(new AgentOptions { Discovery = { RefreshSeconds = seconds } });
        Assert.Equal(rejected, errors.Any(e => e.StartsWith("Agent:Discovery:RefreshSeconds", StringComparison.Ordinal)));
    }
}
