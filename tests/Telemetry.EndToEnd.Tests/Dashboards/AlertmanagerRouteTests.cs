namespace Telemetry.EndToEnd.Tests.Dashboards;

/// <summary>The example Alertmanager configuration as Alertmanager's own amtool reads and routes it.</summary>
public sealed class AlertmanagerRouteTests
{
    [Fact]
    public void The_example_alertmanager_yml_is_valid()
    {
        var (code, output) = Promtool.Amtool(DashboardPaths.Prometheus, "check-config", "alertmanager.yml");
        Assert.True(code == 0, output);
        Assert.Contains("1 inhibit rules", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("InferenceTtftSloBurnFast", "critical", "inference-pager")]
    [InlineData("InferenceCollectorDown", "critical", "inference-pager")]
    [InlineData("InferenceIdleGpuBurn", "warning", "inference-team")]
    [InlineData("InferenceEnergyOutpacingTokens", "info", "inference-capacity")]
    public void Alerts_route_by_severity(string alertname, string severity, string receiver)
    {
        var (code, output) = Promtool.Amtool(DashboardPaths.Prometheus, "config", "routes", "test", "--config.file=alertmanager.yml",
            $"alertname={alertname}", $"severity={severity}");
        Assert.True(code == 0, output);
        // amtool prints the receiver on stdout (then a warning about --config.file on stderr); no receiver name is a prefix of another.
        Assert.StartsWith(receiver, output, StringComparison.Ordinal);
    }
}
